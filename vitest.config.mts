import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';
import { createRequire } from 'node:module';

// Libraries resolve to their TypeScript sources through the `development` export
// condition, so tests never need a build. SWC keeps decorator metadata for NestJS DI.
// `graphql` is aliased to its CommonJS entry: Vite would pick its index.mjs for our sources
// while Nest and Apollo load index.js, and two copies break `instanceof GraphQLError` and
// graphql's realm checks ("Cannot use GraphQLSchema from another module or realm").
const shared = {
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    conditions: ['development'],
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
};

export default defineConfig({
  ...shared,
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts'],
          environment: 'node',
          // Property tests run thousands of cases: 1-4 s on a quiet 2-core machine, and a loaded one
          // (a bench beside the run) has taken one past the 5 s default. A hang still fails.
          testTimeout: 30_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: [
            'libs/*/src/**/*.integration-spec.ts',
            'services/*/src/**/*.integration-spec.ts',
            'test/**/*.integration-spec.ts',
          ],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
