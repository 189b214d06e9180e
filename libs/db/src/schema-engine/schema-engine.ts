import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';

// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm): the native
// engine the Prisma CLI downloads cannot be fetched here, but this one runs in process
// through a driver adapter. Development tooling only (migration generation, drift check).

type EngineBindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

// The project's `lib` setting has no WebAssembly declarations; this is the part used here.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

let bindings: Promise<EngineBindings> | undefined;
let lastPanic: string | undefined;

async function instantiate(): Promise<EngineBindings> {
  // The package's entry imports the .wasm file as an ES module, which Node does not support
  // without a flag; so instantiate it by hand against its wasm-bindgen glue, as Prisma does.
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message: string) {
      lastPanic = message;
    },
  };
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasmPath = createRequire(__filename)
    .resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    .replace(/\.js$/, '.wasm');
  const module = new WebAssembly.Module(await readFile(wasmPath));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return glue;
}

/** Runs `task` with a schema engine bound to `adapterFactory`, then frees the engine. */
export async function withSchemaEngine<T>(
  schema: string,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  task: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  bindings ??= instantiate();
  const { SchemaEngine } = await bindings;
  lastPanic = undefined;
  try {
    const engine = await SchemaEngine.new(
      { datamodels: [['schema.prisma', schema]] },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(adapterFactory),
    );
    try {
      return await task(engine);
    } finally {
      // free() releases the engine only: the caller still owns and closes the adapter's pools.
      engine.free();
    }
  } catch (error) {
    // A Rust panic surfaces as "RuntimeError: unreachable"; its message went to the registry.
    const panic = lastPanic as string | undefined;
    if (panic !== undefined) throw new Error(`Prisma schema engine panicked: ${panic}`, { cause: error });
    throw error;
  }
}

function scriptOrNull(result: { exitCode: number; stdout: string | null }): string | null {
  // With `exitCode: true` the engine answers 2 exactly when the diff is not empty.
  return result.exitCode === 2 ? (result.stdout ?? '') : null;
}

/**
 * The SQL that would bring the live database behind `adapterFactory` to `schema`, or null
 * when they agree. Prisma ignores what its schema language cannot describe (CHECKs,
 * triggers, and partial indexes without the `partialIndexes` preview feature).
 */
export async function diffDatabaseToSchema(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schema: string,
): Promise<string | null> {
  return withSchemaEngine(schema, adapterFactory, async (engine) => {
    const files = [{ path: 'schema.prisma', content: schema }];
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: '.' },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    });
    return scriptOrNull(result);
  });
}

export interface MigrationHistory {
  readonly baseDir: string;
  readonly lockfile: string;
  readonly migrations: ReadonlyArray<{ readonly name: string; readonly script: string }>;
}

/** The engine's view of a migrations directory. */
export function toMigrationList(history: MigrationHistory): MigrationList {
  return {
    baseDir: history.baseDir,
    lockfile: { path: 'migration_lock.toml', content: history.lockfile },
    shadowDbInitScript: '',
    migrationDirectories: history.migrations.map(({ name, script }) => ({
      path: name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: script } },
    })),
  };
}

/**
 * The SQL of the next migration: from the schema the migration history produces on a shadow
 * database (given by `adapterFactory.connectToShadowDb`) to `schema`; null when they agree.
 */
export async function diffMigrationsToSchema(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  history: MigrationHistory,
  schema: string,
): Promise<string | null> {
  return withSchemaEngine(schema, adapterFactory, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'migrations', ...toMigrationList(history) },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    });
    return scriptOrNull(result);
  });
}
