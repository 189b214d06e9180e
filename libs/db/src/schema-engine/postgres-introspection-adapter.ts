import { PrismaPg } from '@prisma/adapter-pg';
import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';

const INTERNAL_CHAR_OID = 18;
const TEXT_OID = 25;
const CHAR_COLUMNS = Symbol('internal "char" columns');

type MarkedRows = unknown[] & { [CHAR_COLUMNS]?: number[] };

// @prisma/adapter-pg 7.10 throws on PostgreSQL's internal "char" type (OID 18), which the
// schema engine reads from pg_catalog (pg_constraint.contype and others) when it introspects.
// The pool below hands the adapter such columns as text and marks them on the row array it
// passes through untouched; the adapter wrapper then reports them as Character, as the engine expects.
function poolReadingInternalChar(pool: pg.Pool): pg.Pool {
  const markInternalChar = (result: pg.QueryResult): pg.QueryResult => {
    const marked: number[] = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === INTERNAL_CHAR_OID) {
        field.dataTypeID = TEXT_OID;
        marked.push(index);
      }
    });
    if (marked.length > 0) (result.rows as MarkedRows)[CHAR_COLUMNS] = marked;
    return result;
  };
  return new Proxy(pool, {
    get(target, property) {
      // The adapter queries outside transactions as pool.query(config): one object argument.
      if (property === 'query') {
        return async (config: pg.QueryConfig) => markInternalChar(await target.query(config));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function reportInternalCharAsCharacter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of (result.rows as MarkedRows)[CHAR_COLUMNS] ?? []) {
      result.columnTypes[index] = ColumnTypeEnum.Character;
    }
    return result;
  };
  return adapter;
}

/**
 * An adapter factory that lets the schema engine introspect the PostgreSQL database behind
 * `pool` (which the caller owns and ends). It refuses to make a shadow database: PrismaPg's
 * own helper would create it on the real server from the same connection settings.
 */
export function postgresIntrospectionAdapter(pool: pg.Pool): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPg(poolReadingInternalChar(pool));
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => reportInternalCharAsCharacter(await inner.connect()),
    connectToShadowDb: () => Promise.reject(new Error('introspection only: no shadow database')),
  };
}
