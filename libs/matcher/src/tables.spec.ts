import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressIndex } from './address-index';
import { CidrTable, keyPrefix, NETMASK } from './cidr-table';
import { DomainIndex } from './domain-index';
import { domainHashOfBytes, domainHashOfString, urlHashOfBytes, urlHashOfString } from './hash';
import { HitBuffer, HitKind } from './hit-buffer';
import { IocTables } from './ioc-tables';
import { StringTable } from './string-table';
import type { IocEntry } from './types';
import { U32Table } from './u32-table';

type Op<K> = { add: true; key: K; value: number } | { add: false; key: K };

function ops<K>(key: fc.Arbitrary<K>): fc.Arbitrary<Op<K>[]> {
  return fc.array(
    fc.oneof(
      fc.record({ add: fc.constant(true as const), key, value: fc.integer({ min: 1, max: 1e6 }) }),
      fc.record({ add: fc.constant(false as const), key }),
    ),
    { maxLength: 400 },
  );
}

/** Keys that collide and cluster: a few hundred values plus the key that is the empty marker. */
const u32Key = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.constantFrom(0xffffffff, 0x80000000, 0x7fffffff),
);

describe('U32Table', () => {
  it('behaves like a Map through inserts, removals, growth and shrinking', () => {
    fc.assert(
      fc.property(ops(u32Key), (steps) => {
        const table = new U32Table();
        const model = new Map<number, number>();
        for (const step of steps) {
          if (step.add) {
            table.setValues(table.insert(step.key), step.value, -step.value);
            model.set(step.key, step.value);
          } else {
            const slot = table.find(step.key);
            expect(slot >= 0).toBe(model.has(step.key));
            if (slot >= 0) table.removeAt(slot);
            model.delete(step.key);
          }
        }
        expect(table.size).toBe(model.size);
        for (const [key, value] of model) {
          const slot = table.find(key);
          expect(table.value0(slot)).toBe(value);
          expect(table.value1(slot)).toBe(-value);
        }
        const seen: number[] = [];
        table.forEachSlot((slot) => seen.push(table.keyAt(slot) >>> 0));
        expect(seen.sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it('gives memory back when emptied', () => {
    const table = new U32Table();
    for (let key = 0; key < 50_000; key++) table.insert(key);
    const full = table.byteLength();
    for (let key = 0; key < 50_000; key++) table.removeAt(table.find(key));
    expect(table.size).toBe(0);
    expect(table.byteLength()).toBeLessThan(full / 100);
  });
});

const word = fc.constantFrom('a', 'b', 'evil', 'x-y', 'com', 'org', 'dl', 'x.exe');
const domainKey = fc.array(word, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

describe('StringTable', () => {
  it('behaves like a Map through inserts, removals, growth, shrinking and arena compaction', () => {
    fc.assert(
      fc.property(ops(domainKey), (steps) => {
        const table = new StringTable(domainHashOfBytes);
        const model = new Map<string, number>();
        const hash = (key: string): number => domainHashOfString(key, 0, key.length);
        for (const step of steps) {
          if (step.add) {
            table.setValues(table.insert(hash(step.key), step.key), step.value, step.value + 1);
            model.set(step.key, step.value);
          } else {
            const slot = table.find(hash(step.key), step.key, 0, step.key.length);
            expect(slot >= 0).toBe(model.has(step.key));
            if (slot >= 0) table.removeAt(slot);
            model.delete(step.key);
          }
        }
        expect(table.size).toBe(model.size);
        for (const [key, value] of model) {
          const slot = table.find(hash(key), key, 0, key.length);
          expect(table.keyAt(slot)).toBe(key);
          expect([table.value0(slot), table.value1(slot)]).toEqual([value, value + 1]);
          expect(table.bloom.mayContain(hash(key))).toBe(true);
        }
        expect(table.garbage * 2).toBeLessThanOrEqual(table.used);
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it('keeps the record shortcut true through packs, inserts, removals, growth and reloads', () => {
    const step = fc.oneof(
      { weight: 8, arbitrary: fc.record({ op: fc.constant('add' as const), key: domainKey }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('remove' as const), key: domainKey }) },
      { weight: 1, arbitrary: fc.constant({ op: 'pack' as const, key: '' }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 600 }), (steps) => {
        let table = new StringTable(domainHashOfBytes);
        const keys = new Set<string>();
        const hash = (key: string): number => domainHashOfString(key, 0, key.length);
        for (const { op, key } of steps) {
          if (op === 'add') {
            table.insert(hash(key), key);
            keys.add(key);
          } else if (op === 'remove') {
            const slot = table.find(hash(key), key, 0, key.length);
            if (slot >= 0) table.removeAt(slot);
            keys.delete(key);
          } else {
            table.packRecords();
            // Right after a pack every group with keys takes the shortcut (these keys are short).
            table.forEachSlot((slot) => expect(table.groupBases[slot >> 4]).toBeGreaterThanOrEqual(0));
          }
        }
        // A table read back from its parts derives the same shortcut.
        table = StringTable.fromParts(domainHashOfBytes, {
          fingerprints: table.fingerprints,
          slots: table.slots,
          words: table.usedWords(),
          size: table.size,
          garbage: table.garbage,
          bloom: table.bloom,
        });
        for (const key of keys) {
          const slot = table.find(hash(key), key, 0, key.length);
          expect(slot).toBeGreaterThanOrEqual(0);
          expect(table.keyAt(slot)).toBe(key);
        }
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it('packs the records of a build in slot order, each group within reach of its base', () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `host-${i}.example.com`);
    const table = StringTable.forCount(domainHashOfBytes, keys.length, keys.length * 8);
    for (const key of keys) table.insert(domainHashOfString(key, 0, key.length), key);
    const unorderedBefore = table.groupBases.filter((base) => base === -1).length;
    table.packRecords();
    expect(unorderedBefore).toBeGreaterThan(table.groupBases.length / 2);
    let previous = 0;
    table.forEachSlot((slot) => {
      expect(table.slots[slot]).toBeGreaterThan(previous);
      previous = table.slots[slot]!;
      expect(table.groupBases[slot >> 4]! + table.relatives[slot]!).toBe(table.slots[slot]);
    });
    for (const key of keys) {
      const slot = table.find(domainHashOfString(key, 0, key.length), key, 0, key.length);
      expect(table.keyAt(slot)).toBe(key);
    }
  });

  it('is packed at the end of a build when its arena is large, and left as built when small', () => {
    const orderedShare = (count: number): number => {
      const entries: IocEntry[] = Array.from({ length: count }, (_, i) => ({
        value: `host-${i}.example.com`,
        type: 'domain',
        source: 'MDR',
        auditId: 'feed-1',
        dryRun: false,
      }));
      const iocs = IocTables.sizedFor(entries);
      for (const entry of entries) iocs.add(entry);
      iocs.packRecords();
      const table = iocs.domains.table;
      let ordered = 0;
      table.forEachSlot((slot) => {
        if (table.groupBases[slot >> 4]! >= 0) ordered++;
      });
      return ordered / table.size;
    };
    // 200k keys of 7 arena words each: past the 4 MB threshold.
    expect(orderedShare(200_000)).toBe(1);
    expect(orderedShare(2_000)).toBeLessThan(0.5);
  });

  it('finds a key given as two pieces of other strings', () => {
    const table = new StringTable(urlHashOfBytes);
    const key = 'evil.com/dl/x.exe';
    table.insert(urlHashOfString(key), key);
    const raw = 'http://a.evil.com:80/dl/x.exe?q';
    expect(table.findJoined(urlHashOfString(key), raw, 9, 17, raw, 20, 29)).toBeGreaterThanOrEqual(0);
    expect(table.findJoined(urlHashOfString(key), raw, 9, 17, raw, 20, 28)).toBe(-1);
  });

  it('gives memory back when emptied', () => {
    const table = new StringTable(domainHashOfBytes);
    const keys = Array.from({ length: 20_000 }, (_, i) => `host-${i}.example.com`);
    for (const key of keys) table.insert(domainHashOfString(key, 0, key.length), key);
    const full = table.byteLength();
    for (const key of keys)
      table.removeAt(table.find(domainHashOfString(key, 0, key.length), key, 0, key.length));
    expect(table.size).toBe(0);
    expect(table.byteLength()).toBeLessThan(full / 20);
  });
});

const network = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 8, 12, 16, 17, 20, 24, 28, 31))
  .map(([address, prefix]) => ({ network: (address & NETMASK[prefix]!) >>> 0, prefix }));

describe('CidrTable', () => {
  it('finds exactly the networks containing an address, longest first, with and without its block index', () => {
    fc.assert(
      fc.property(
        fc.array(network, { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 30 }),
        fc.boolean(),
        (networks, addresses, many) => {
          // With over a thousand networks the table switches its per-block index on.
          const filler = many
            ? Array.from({ length: 1100 }, (_, i) => ({ network: 0xc0000000 + i * 256, prefix: 24 }))
            : [];
          const table = new CidrTable();
          const present = new Map<string, { network: number; prefix: number }>();
          for (const n of [...filler, ...networks]) {
            table.insert(n.network, n.prefix);
            present.set(`${n.network}/${n.prefix}`, n);
          }
          const check = (address: number): void => {
            const hits = new HitBuffer();
            table.collect(address, hits, HitKind.DstNetwork);
            const found = Array.from(hits.slots.subarray(0, hits.count), (slot) =>
              networkOf(table.table.keyAt(slot)),
            );
            const expected = [...present.values()]
              .filter((n) => (address & NETMASK[n.prefix]!) >>> 0 === n.network)
              .sort((a, b) => b.prefix - a.prefix)
              .map((n) => `${n.network}/${n.prefix}`);
            expect(found).toEqual(expected);
          };
          for (const address of [...addresses, ...networks.map((n) => n.network)]) check(address);
          for (const n of networks) {
            const slot = table.find(n.network, n.prefix);
            if (slot >= 0) table.removeAt(slot);
            present.delete(`${n.network}/${n.prefix}`);
          }
          for (const address of [...addresses, ...networks.map((n) => n.network)]) check(address);
          expect(table.size).toBe(present.size);
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000);
});

function networkOf(key: number): string {
  const prefix = keyPrefix(key);
  return `${(key & NETMASK[prefix]!) >>> 0}/${prefix}`;
}

describe('AddressIndex', () => {
  it('agrees with plain sets as it grows past its block filter, loses entries and drops the filter again', () => {
    const index = AddressIndex.empty();
    const addresses = new Set<number>();
    const networks = new Map<string, { network: number; prefix: number }>();
    let state = 7;
    const random = (): number => (state = (Math.imul(state, 0x2c1b3c6d) + 0x9e3779b9) >>> 0);
    const lookupMatches = (address: number): boolean => {
      const hits = new HitBuffer();
      index.lookup(address, hits, HitKind.DstExact, HitKind.DstNetwork);
      const exact = addresses.has(address) ? 1 : 0;
      const inside = [...networks.values()].filter(
        (n) => (address & NETMASK[n.prefix]!) >>> 0 === n.network,
      ).length;
      return hits.count === exact + inside;
    };
    const probes = (): number[] => [
      ...Array.from({ length: 200 }, () => random()),
      ...[...addresses].slice(0, 200),
      ...[...networks.values()].map((n) => n.network + 1),
    ];
    for (let i = 0; i < 80_000; i++) addresses.add(random());
    for (let i = 0; i < 50; i++) {
      const prefix = 16 + (random() % 15);
      const n = { network: (random() & NETMASK[prefix]!) >>> 0, prefix };
      networks.set(`${n.network}/${n.prefix}`, n);
    }
    for (const address of addresses) index.insertAddress(address);
    for (const n of networks.values()) index.insertNetwork(n.network, n.prefix);
    expect(probes().every(lookupMatches)).toBe(true);
    const doomed = [...addresses].slice(0, 60_000);
    for (const address of doomed) {
      index.removeAddressAt(index.exact.find(address));
      addresses.delete(address);
    }
    for (const n of [...networks.values()].slice(0, 25)) {
      index.removeNetworkAt(index.networks.find(n.network, n.prefix));
      networks.delete(`${n.network}/${n.prefix}`);
    }
    expect([...probes(), ...doomed.slice(0, 200)].every(lookupMatches)).toBe(true);
    expect(index.size).toBe(addresses.size + networks.size);
  }, 30_000);
});

describe('AddressIndex networks', () => {
  it('reports every network containing an address as its key, longest first, through adds and removes', () => {
    // Networks of every level (/0../16 in the /16 directory, /17../20 and /21../24 in the block tables, longer ones
    // behind the per-length walk), nested within and across levels, around a few shared addresses.
    const prefixes = [0, 1, 8, 12, 16, 17, 19, 20, 21, 23, 24, 25, 30, 31];
    const bases = [0x0a000000, 0x0a0a0a00, 0xc0a80180, 0xffffff00, 0];
    // Jitter in bits 4..19, or only in bits 4..11 (so networks of /20 and shorter near a base coincide, and
    // /21../24 ones nest inside them: removals then recompute payloads of blocks other networks still cover).
    const jitter = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xff }));
    const network = fc
      .tuple(fc.constantFrom(...bases), fc.constantFrom(...prefixes), jitter)
      .map(([base, prefix, jitter]) => ({
        network: ((base ^ (jitter << 4)) & NETMASK[prefix]!) >>> 0,
        prefix,
      }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), network), { maxLength: 80 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }),
        (steps, extra) => {
          const index = AddressIndex.empty();
          const present = new Map<string, { network: number; prefix: number }>();
          for (const [add, n] of steps) {
            const id = `${n.network}/${n.prefix}`;
            if (add) {
              index.insertNetwork(n.network, n.prefix);
              present.set(id, n);
            } else {
              const slot = index.networks.find(n.network, n.prefix);
              if (slot >= 0) index.removeNetworkAt(slot);
              present.delete(id);
            }
          }
          const fresh = AddressIndex.empty();
          for (const n of present.values()) fresh.insertNetwork(n.network, n.prefix);
          const probes = [
            ...extra,
            ...bases,
            ...bases.map((b) => b + 0x85),
            ...steps.map(([, n]) => n.network),
          ];
          for (const address of probes) {
            const expected = [...present.values()]
              .filter((n) => (address & NETMASK[n.prefix]!) >>> 0 === n.network)
              .sort((a, b) => b.prefix - a.prefix)
              .map((n) => `${n.network}/${n.prefix}`);
            for (const built of [index, fresh]) {
              const hits = new HitBuffer();
              built.lookup(address, hits, HitKind.DstExact, HitKind.DstNetwork);
              const found = Array.from(hits.slots.subarray(0, hits.count), (key) => networkOf(key));
              expect(found).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);

  it('keeps every level exact as networks nested inside one another come and go in any order', () => {
    // One chain of nested networks through every level, and a sibling at each length: any sequence of adds and
    // removes leaves blocks that other networks still cover, whose payloads must be recomputed right.
    const address = 0x0a0b0c0d;
    const prefixes = [8, 16, 17, 19, 20, 21, 23, 24, 25, 30];
    const chain = prefixes.flatMap((prefix) => [
      { network: (address & NETMASK[prefix]!) >>> 0, prefix },
      { network: ((address ^ (1 << (32 - prefix))) & NETMASK[prefix]!) >>> 0, prefix },
    ]);
    const probes = [address, ...chain.map((n) => n.network), ...chain.map((n) => (n.network | 0xff) >>> 0)];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...chain)), { minLength: 20, maxLength: 80 }),
        (steps) => {
          const index = AddressIndex.empty();
          const present = new Map<string, { network: number; prefix: number }>();
          for (const [add, n] of steps) {
            const id = `${n.network}/${n.prefix}`;
            if (add) {
              index.insertNetwork(n.network, n.prefix);
              present.set(id, n);
            } else {
              const slot = index.networks.find(n.network, n.prefix);
              if (slot >= 0) index.removeNetworkAt(slot);
              present.delete(id);
            }
            for (const probe of probes) {
              const expected = [...present.values()]
                .filter((n) => (probe & NETMASK[n.prefix]!) >>> 0 === n.network)
                .sort((a, b) => b.prefix - a.prefix)
                .map((n) => `${n.network}/${n.prefix}`);
              const hits = new HitBuffer();
              index.lookup(probe, hits, HitKind.DstExact, HitKind.DstNetwork);
              expect(Array.from(hits.slots.subarray(0, hits.count), (key) => networkOf(key))).toEqual(
                expected,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);
});

describe('DomainIndex', () => {
  it('reports every key that is the name or a label suffix of it, most specific first, however many labels', () => {
    const index = DomainIndex.empty();
    for (const key of ['evil.example', 'a.b.evil.example', 'x.a.b.evil.example', 'other.example']) {
      index.insert(key);
    }
    const keysFound = (name: string): string[] => {
      const hits = new HitBuffer();
      index.lookup(name, 0, name.length, hits, HitKind.Domain);
      return Array.from(hits.slots.subarray(0, hits.count), (slot) => index.table.keyAt(slot));
    };
    expect(keysFound('x.a.b.evil.example')).toEqual([
      'x.a.b.evil.example',
      'a.b.evil.example',
      'evil.example',
    ]);
    expect(keysFound('b.evil.example')).toEqual(['evil.example']);
    expect(keysFound('example')).toEqual([]);
    expect(keysFound('notevil.example')).toEqual([]);
    // A URL host may hold far more labels than a DNS name (more suffixes than the scratch arrays start with).
    const long = `${'q.'.repeat(400)}x.a.b.evil.example`;
    expect(keysFound(long)).toEqual(['x.a.b.evil.example', 'a.b.evil.example', 'evil.example']);
  });
});
