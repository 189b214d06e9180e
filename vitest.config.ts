import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';

// Libraries resolve to their TypeScript sources through the `development` export
// condition, so tests never need a build. SWC keeps decorator metadata for NestJS DI.
const shared = {
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions: ['development'] },
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
