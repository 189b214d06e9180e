// `npm run bench -- matcher`: the compiled matcher against its peers (see libs/matcher/README.md for what the
// figures mean). MATCHER_BENCH_ONLY=ipv4,domain,url,state,urlhaus runs a subset.
import { formatIpv4 } from '@threatline/ioc';
import { Matcher, type IocEntry, type MatcherDelta, type ModuleSettings } from '@threatline/matcher';
import { adblocker, blockList, blockListUnder, setOfExpressions, setSuffixWalk } from './matcher-baselines';
import {
  addressSet,
  addressTraffic,
  domainSet,
  domainTraffic,
  exclusionSet,
  mixedSet,
  networkSet,
  Rng,
  urlSet,
  urlTraffic,
} from './matcher-data';
import { gc, latency, round, throughput } from './matcher-measure';
import { loadUrlhaus, urlhausTraffic } from './matcher-urlhaus';
import { recordResults, type BenchEntry } from './results';

const entries: BenchEntry[] = [];
const only = process.env.MATCHER_BENCH_ONLY?.split(',');

function section(name: string, run: () => void): void {
  if (only && !only.includes(name)) return;
  const start = Date.now();
  run();
  gc();
  console.log(`  (${name}: ${((Date.now() - start) / 1000).toFixed(1)} s)`);
}

/** A throughput entry against a baseline measured in this process. */
function versus(
  name: string,
  unit: string,
  value: number,
  baseline: { name: string; value: number },
  extra: Partial<BenchEntry> = {},
): BenchEntry {
  return {
    name,
    unit,
    value: round(value),
    baseline: { name: baseline.name, value: round(baseline.value) },
    ratio: round(value / baseline.value),
    ...extra,
  };
}

/** The loop body of `over`, compiled once per measured loop (see there). */
const OVER_BODY = 'let hits = 0; for (let i = 0; i < limit; i++) hits += lookup(items[i]); return hits;';
/** Loops compiled so far: each one's source ends in its own number (see `over`). */
let loopsCompiled = 0;

/**
 * Runs `lookup` over every item of `items`; returns the summed result (hit counts). Each call compiles a loop of
 * its own: closures from one literal share V8's type feedback, so one shared loop would see every lookup and item
 * array of the suite and time V8's megamorphic call and element access instead of the lookup (a caller such as the
 * agent calls its lookup from a site of its own). Ours and the baselines are timed the same way. The source differs
 * per loop (a numbered comment): V8's eval cache hands `new Function` of an identical text the feedback of the
 * first one, so every loop after the first shared it (of two identical loops timed in turn, the second ran at half
 * the speed of the first).
 */
function over<T>(items: ArrayLike<T>, lookup: (item: T) => number, limit = items.length): () => number {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- fresh code, hence fresh feedback, per loop
  const loop = new Function('items', 'lookup', 'limit', `${OVER_BODY} // loop ${loopsCompiled++}`) as (
    items: ArrayLike<T>,
    lookup: (item: T) => number,
    limit: number,
  ) => number;
  return () => loop(items, lookup, limit);
}

/** The median rate is the figure; the best round says how much of a miss the machine's neighbours account for. */
function bestRound(measured: { best: number }): string {
  return `best round ${(measured.best / 1e6).toPrecision(3)}M/s`;
}

function hitRate(hits: number, of: number): string {
  return `${((100 * hits) / of).toFixed(1)}% of lookups matched`;
}

/** Every allocated byte of every table, arena and filter (not only the used part), per indicator. */
function bytesPerIoc(matcher: Matcher): number {
  const stats = matcher.stats();
  return round(stats.bytes / (stats.ipv4 + stats.cidr + stats.domain + stats.url));
}

function averageLength(values: readonly string[]): number {
  return values.reduce((sum, value) => sum + value.length, 0) / values.length;
}

const BYTES_NOTE = 'all in: tables, arenas, metadata, filters, as allocated after a build';

section('ipv4', () => {
  const rng = new Rng(1);
  const set = addressSet(rng, 1_000_000);
  const matcher = Matcher.build(set.entries);
  const traffic = addressTraffic(rng, set, 1_000_000, 0.5);
  // 11 rounds, not 5: other tenants of the host evict the 4 MB of exact keys from the shared cache for seconds at a
  // time (README, session 9), and a 1.25 s window of 5 rounds could fall inside one such stretch or miss it.
  const ours = throughput(
    traffic.length,
    over(traffic, (a) => matcher.lookupIpv4(a)),
    11,
  );
  const addresses = new Set<number>(set.exact);
  const viaSet = throughput(
    traffic.length,
    over(traffic, (a) => (addresses.has(a) ? 1 : 0)),
  );
  entries.push(
    versus(
      'matcher.ipv4.lookup',
      'lookups/s',
      ours.perSecond,
      { name: 'Set<number>.has, 900k addresses, no networks', value: viaSet.perSecond },
      {
        target: '>= 30M/s',
        note: `1M entries (900k addresses, 100k networks /16../29); ${hitRate(ours.result, traffic.length)}; CPU time of one thread; ${bestRound(ours)}`,
      },
    ),
    {
      name: 'matcher.bytes_per_ioc.ipv4',
      unit: 'bytes',
      value: bytesPerIoc(matcher),
      target: '<= 40',
      note: BYTES_NOTE,
    },
  );

  const networks = networkSet(rng, 10_000);
  const small = Matcher.build(networks.entries);
  const networkTraffic = addressTraffic(rng, networks, 1_000_000, 0.5);
  const text = Array.from(networkTraffic.subarray(0, 10_000), (a) => formatIpv4(a));
  const oursSmall = throughput(
    networkTraffic.length,
    over(networkTraffic, (a) => small.lookupIpv4(a)),
  );
  const check = blockList(networks.networks);
  const viaBlockList = throughput(text.length, over(text, check), 2);
  const note = `10k networks; ${hitRate(oursSmall.result, networkTraffic.length)}; CPU time of one thread`;
  entries.push(
    versus(
      'matcher.ipv4.lookup.cidr10k',
      'lookups/s',
      oursSmall.perSecond,
      { name: `net.BlockList of this Node (${process.version}), 10k subnets`, value: viaBlockList.perSecond },
      {
        target: 'ratio >= 1000 (set against Node 20, see .node20)',
        note: `${note}; the 1M-entry matcher is ${Math.round(ours.perSecond / viaBlockList.perSecond)}x this BlockList. Node 24's BlockList is some 50x faster than the ~15k checks/s the issue quotes, so 1000x against it would need ~0.5G lookups/s: out of reach`,
      },
    ),
  );
  // The issue's figure (~15k checks/s) is Node 20's BlockList (the machine's /usr/bin/node): timed there, on
  // the same networks and addresses, in a child process (CPU time of that process).
  const node20 = blockListUnder(
    process.env.MATCHER_BENCH_NODE20 ?? '/usr/bin/node',
    networks.networks,
    text.slice(0, 2000),
  );
  if (node20 !== null) {
    entries.push(
      versus(
        'matcher.ipv4.lookup.cidr10k.node20',
        'lookups/s',
        oursSmall.perSecond,
        {
          name: `net.BlockList of Node ${node20.node} (/usr/bin/node), 10k subnets`,
          value: node20.perSecond,
        },
        { target: 'ratio >= 1000', note: `${note}; the baseline timed in a child process under that Node` },
      ),
    );
  }
});

section('domain', () => {
  const rng = new Rng(2);
  const set = domainSet(rng, 1_000_000);
  const matcher = Matcher.build(set.entries);
  const mostlyMiss = domainTraffic(rng, set.names, 1_000_000, 0.1);
  const halfHit = domainTraffic(rng, set.names, 1_000_000, 0.5);
  const ours = throughput(
    mostlyMiss.length,
    over(mostlyMiss, (name) => matcher.lookupDomain(name)),
  );
  const oursHalf = throughput(
    halfHit.length,
    over(halfHit, (name) => matcher.lookupDomain(name)),
  );
  const walk = setSuffixWalk(set.names);
  const viaSet = throughput(200_000, over(mostlyMiss, walk, 200_000), 3);
  const viaSetHalf = throughput(200_000, over(halfHit, walk, 200_000), 3);
  const note = `1M domain entries, traffic names of 3 to 6 labels; CPU time of one thread`;
  entries.push(
    versus(
      'matcher.domain.lookup.vs_set',
      'lookups/s',
      ours.perSecond,
      { name: 'Set<string> suffix walk', value: viaSet.perSecond },
      {
        target: '>= 4.5M/s',
        note: `${note}; ${hitRate(ours.result, mostlyMiss.length)}; ${bestRound(ours)}`,
      },
    ),
    versus(
      'matcher.domain.lookup.hits50',
      'lookups/s',
      oursHalf.perSecond,
      { name: 'Set<string> suffix walk', value: viaSetHalf.perSecond },
      {
        target: '>= 3M/s',
        note: `${note}; ${hitRate(oursHalf.result, halfHit.length)}; ${bestRound(oursHalf)}`,
      },
    ),
    {
      name: 'matcher.bytes_per_ioc.domain',
      unit: 'bytes',
      value: bytesPerIoc(matcher),
      target: '<= 40',
      note: BYTES_NOTE,
    },
  );
  const requests = mostlyMiss.slice(0, 20_000).map((name) => `https://${name}/`);
  const engine = adblocker(set.names, (name) => `||${name}^`);
  const viaAdblocker = throughput(requests.length, over(requests, engine), 2);
  entries.push(
    versus(
      'matcher.domain.lookup',
      'lookups/s',
      ours.perSecond,
      { name: '@ghostery/adblocker FiltersEngine, 1M ||domain^ rules', value: viaAdblocker.perSecond },
      {
        target: '>= 4.5M/s and >= 10x the adblocker',
        note: `${note}; ${hitRate(ours.result, mostlyMiss.length)}`,
      },
    ),
  );
});

section('url', () => {
  const rng = new Rng(3);
  for (const count of [100_000, 1_000_000]) {
    const set = urlSet(rng, count);
    const matcher = Matcher.build(set.entries);
    const traffic = urlTraffic(rng, set.values, 1_000_000, 0.1);
    const ours = throughput(
      traffic.length,
      over(traffic, (url) => matcher.lookupUrl(url)),
    );
    const viaSet = throughput(100_000, over(traffic, setOfExpressions(set.values), 100_000), 3);
    const suffix = count === 100_000 ? '' : '.1m';
    const note = `${count >= 1e6 ? `${count / 1e6}M` : `${count / 1000}k`} URL entries; canonicalization included; ${hitRate(ours.result, traffic.length)}; CPU time of one thread`;
    entries.push(
      versus(
        `matcher.url.lookup${suffix}.vs_set`,
        'lookups/s',
        ours.perSecond,
        { name: 'Set of Safe Browsing expression strings', value: viaSet.perSecond },
        {
          target: count === 100_000 ? '>= 2.5M/s' : '>= 2M/s',
          note: `${note}; ${bestRound(ours)}`,
        },
      ),
      {
        name: `matcher.bytes_per_ioc.url${suffix}`,
        unit: 'bytes',
        value: bytesPerIoc(matcher),
        target: '<= 64',
        note: `${BYTES_NOTE}; synthetic URLs average ${Math.round(averageLength(set.values))} characters`,
      },
    );
    if (count === 100_000) {
      const engine = adblocker(set.values, (value) => `||${value}`);
      const viaAdblocker = throughput(20_000, over(traffic, engine, 20_000), 2);
      entries.push(
        versus(
          'matcher.url.lookup',
          'lookups/s',
          ours.perSecond,
          { name: '@ghostery/adblocker FiltersEngine, 100k ||url rules', value: viaAdblocker.perSecond },
          {
            target: '>= 2.5M/s',
            note,
          },
        ),
      );
    }
  }
});

section('state', () => {
  const rng = new Rng(4);
  const iocs = mixedSet(rng, 1_000_000);
  const exclusions = exclusionSet(rng, 10_000);
  let matcher = Matcher.build(iocs, exclusions);
  const compile = latency(3, () => {
    matcher = Matcher.build(iocs, exclusions);
  });
  entries.push({
    name: 'matcher.compile.1m',
    unit: 'ms',
    value: compile.p50,
    ...compile,
    target: '<= 1000',
    note: '400k addresses and networks, 400k domains, 200k URLs, 10k exclusions; CPU time',
  });
  entries.push({
    name: 'matcher.bytes_per_ioc.mixed',
    unit: 'bytes',
    value: bytesPerIoc(matcher),
    note: `${BYTES_NOTE}; the compile set and its exclusions`,
  });

  const bytes = matcher.serialize();
  // The agent reads its state file into a buffer and hands it over (adopt): no copy.
  const adopted = latency(10, () => {
    Matcher.deserialize(bytes, { adopt: true });
  });
  const copied = latency(5, () => {
    Matcher.deserialize(bytes);
  });
  entries.push(
    {
      name: 'matcher.load.1m',
      unit: 'ms',
      value: adopted.p50,
      ...adopted,
      target: '<= 50',
      note: `deserialize ${(bytes.length / 1e6).toFixed(1)} MB handed over (adopt): checksum pass, views, derived indexes`,
    },
    {
      name: 'matcher.load.1m.copy',
      unit: 'ms',
      value: copied.p50,
      ...copied,
      note: 'the same with the default defensive copy of the bytes (allocation and page faults of a fresh buffer)',
    },
  );

  const batches = deltaBatches(rng, iocs, 10);
  let next = 0;
  const delta = latency(batches.length - 1, () => matcher.apply(batches[next++]!));
  entries.push({
    name: 'matcher.delta.10k',
    unit: 'ms',
    value: delta.p50,
    ...delta,
    target: '<= 20',
    note: '5k adds of new entries and 5k removes of present ones per batch, on the 1M matcher',
  });
});

/** Batches of 5k removes of present entries (distinct: 97 is prime to the set's size) and 5k adds of fresh ones. */
function deltaBatches(rng: Rng, present: readonly IocEntry[], count: number): MatcherDelta[][] {
  const fresh = mixedSet(rng, count * 5000);
  const batches: MatcherDelta[][] = [];
  for (let b = 0; b < count; b++) {
    const batch: MatcherDelta[] = [];
    for (let i = 0; i < 5000; i++) {
      // Spread over the whole set (it is ordered by type), so removes hit every table.
      const gone = present[((b * 5000 + i) * 97) % present.length]!;
      batch.push({ op: 'remove', source: gone.source, value: gone.value });
      batch.push({ op: 'add', entry: fresh[b * 5000 + i]! });
    }
    batches.push(batch);
  }
  return batches;
}

section('urlhaus', () => {
  const rng = new Rng(5);
  const list = loadUrlhaus(rng);
  const settings: ModuleSettings = {
    mdr: { enabled: true, action: 'LOG_AND_DROP' },
    xops: { enabled: true, action: 'LOG_ONLY' },
  };
  let matcher = Matcher.build(list.entries);
  const compile = latency(5, () => {
    matcher = Matcher.build(list.entries);
  });
  const traffic = urlhausTraffic(rng, list.entries, 100_000, 0.1);
  const ours = throughput(traffic.urls.length, () => {
    let hits = 0;
    for (let i = 0; i < traffic.urls.length; i++) {
      const decision = matcher.check(
        {
          direction: 'outbound',
          srcIp: '10.1.2.3',
          dstIp: traffic.addresses[i]!,
          domain: traffic.domains[i],
          url: traffic.urls[i],
        },
        settings,
      );
      if (decision.action !== 'allow') hits++;
    }
    return hits;
  });
  const engine = adblocker(list.text.split('\n'), (line) => line);
  const viaAdblocker = throughput(20_000, over(traffic.urls, engine, 20_000), 2);
  const kinds = list.entries.reduce<Record<string, number>>(
    (acc, e) => ({ ...acc, [e.type]: (acc[e.type] ?? 0) + 1 }),
    {},
  );
  entries.push(
    versus(
      'matcher.urlhaus.check',
      'checks/s',
      ours.perSecond,
      {
        name: '@ghostery/adblocker FiltersEngine on the list itself (URL only)',
        value: viaAdblocker.perSecond,
      },
      {
        note: `${list.entries.length} entries (${JSON.stringify(kinds)}, ${list.rejected.length} lines rejected); full check(): addresses, domain and URL canonicalized, both modules; ${hitRate(ours.result, traffic.urls.length)}`,
      },
    ),
    { name: 'matcher.urlhaus.compile', unit: 'ms', value: compile.p50, ...compile },
    {
      name: 'matcher.urlhaus.bytes_per_ioc',
      unit: 'bytes',
      value: bytesPerIoc(matcher),
      note: `${BYTES_NOTE}; its URLs average ${Math.round(averageLength(list.entries.filter((e) => e.type === 'url').map((e) => e.value)))} characters`,
    },
  );
});

recordResults(entries);
