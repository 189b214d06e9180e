import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing';
import { runTransaction } from './transaction';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.dispose());

it('runs a transaction again when PostgreSQL aborts it for a serialization conflict', async () => {
  // Write skew: each transaction counts the tenants, then adds one named after the count.
  // Both read before either writes, so SERIALIZABLE must abort one of them (40001).
  let release!: () => void;
  const bothHaveRead = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  let attempts = 0;
  const addTenant = (label: string) =>
    runTransaction(db.prisma, async (tx) => {
      attempts++;
      const count = await tx.tenant.count();
      if (++reads === 2) release();
      await bothHaveRead;
      return tx.tenant.create({ data: { name: `${label}-after-${count}` } });
    });

  const created = await Promise.all([addTenant('a'), addTenant('b')]);
  expect(attempts).toBeGreaterThan(2);
  expect(created.map((tenant) => tenant.name).sort()).toEqual(
    expect.arrayContaining([expect.stringMatching(/-after-0$/), expect.stringMatching(/-after-1$/)]),
  );
  expect(await db.prisma.tenant.count()).toBe(2);
});

it('gives up after maxAttempts and reports the conflict', async () => {
  let release!: () => void;
  const bothHaveRead = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  const addTenant = (label: string) =>
    runTransaction(
      db.prisma,
      async (tx) => {
        await tx.tenant.count();
        if (++reads === 2) release();
        await bothHaveRead;
        return tx.tenant.create({ data: { name: `${label}-${reads}` } });
      },
      { maxAttempts: 1 },
    );
  const results = await Promise.allSettled([addTenant('c'), addTenant('d')]);
  const rejected = results.filter((result) => result.status === 'rejected');
  expect(rejected).toHaveLength(1);
  // P2034 when a query fails, the adapter's own error when COMMIT does.
  const reason = (rejected[0] as PromiseRejectedResult).reason as {
    code?: string;
    cause?: { kind?: string };
  };
  expect(reason.code === 'P2034' || reason.cause?.kind === 'TransactionWriteConflict').toBe(true);
});
