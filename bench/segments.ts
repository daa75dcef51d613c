// The segments benchmark (issue 5): on a generated population of
// BENCH_SEGMENT_PATIENTS patients, evaluate every template on PostgreSQL and
// PGlite against two baselines from the same run — hand-written SQL for the
// same question on the same index tables (segments-baseline.ts), and the
// in-memory reference evaluator on a slice — plus the incremental membership
// update after one new Observation and lake mode over the same NDJSON. Every
// figure is measured here; nothing is asserted about time.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openRuntime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { generatePopulation } from '../src/generate/index.ts';
import { num, table } from './stats.ts';

const ROOT = path.join(os.tmpdir(), 'outreach-bench');
const PATIENTS = Number(process.env.BENCH_SEGMENT_PATIENTS ?? 100_000);
const DIALECTS = (process.env.BENCH_SEGMENT_DIALECTS ?? 'postgres,pglite').split(',');
const RUNS = Number(process.env.BENCH_SEGMENT_RUNS ?? 5);
const REF_PATIENTS = Number(process.env.BENCH_SEGMENT_REFERENCE_PATIENTS ?? 5000);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AS_OF = new Date('2026-11-01T00:00:00Z');

const log = (m: string) => process.stderr.write(`[bench segments] ${m}\n`);
const out = (s: string) => process.stdout.write(`${s}\n`);

interface Timing {
  p50: number;
  p95: number;
}
interface DbResult {
  resources: number;
  importSeconds: number;
  rebuildSeconds: number;
  facts: number;
  persons: number;
  vacuumSeconds: number;
  refreshAllSeconds: number;
  templates: {
    id: string;
    members: number;
    compileMs: number;
    countMs: Timing;
    handCountMs: Timing;
    membersMs: Timing;
    handMembersMs: Timing;
  }[];
  slice: { id: string; ms: number; members: string[] }[];
  sync: Timing & { runs: number; tried: number; entered: number; write: Timing; total: Timing };
  maxRssMiB: number;
}
interface RefResult {
  patients: number;
  resources: number;
  loadSeconds: number;
  templates: { id: string; ms: number; members: string[] }[];
  maxRssMiB: number;
}
interface LakeResult {
  buildSeconds: number;
  persons: number;
  facts: number;
  templates: ({ id: string; count: number } & Timing)[];
  maxRssMiB: number;
}

function child<T>(task: string, env: NodeJS.ProcessEnv, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(import.meta.dirname, 'segments-child.ts'), task, ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    p.stdout.on('data', (d) => {
      text += d;
    });
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(text.trim().split('\n').pop()!))
        : reject(new Error(`${task} exited ${code}`)),
    );
  });
}

/** The population, generated once per size and generator version, beside (not in) its folder. */
async function population(): Promise<{ dir: string; resources: number }> {
  const gen = path.join(import.meta.dirname, '../src/generate');
  const hash = createHash('sha1');
  for (const f of fs
    .readdirSync(gen)
    .filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts'))
    .sort())
    hash.update(fs.readFileSync(path.join(gen, f)));
  const dir = path.join(ROOT, `segments-${PATIENTS}-${hash.digest('hex').slice(0, 8)}`);
  const marker = `${dir}.summary.json`;
  if (!fs.existsSync(marker)) {
    fs.rmSync(dir, { recursive: true, force: true });
    log(`generating ${num(PATIENTS)} patients into ${dir}`);
    const t = performance.now();
    const summary = await generatePopulation({
      patients: PATIENTS,
      seed: 'bench-segments',
      outDir: dir,
      asOf: AS_OF,
      onProgress: (done, total) => {
        if (done % 10_000 === 0 || done === total) log(`  ${num(done)}/${num(total)} patients`);
      },
    });
    fs.writeFileSync(marker, JSON.stringify(summary));
    log(`  generated in ${num((performance.now() - t) / 1000, 1)} s`);
  } else log(`reusing the population in ${dir}`);
  const summary = JSON.parse(fs.readFileSync(marker, 'utf8'));
  return {
    dir,
    resources: Object.values(summary.resources as Record<string, number>).reduce((a, b) => a + b, 0),
  };
}

/** Every k-th patient of the file, REF_PATIENTS of them, written beside the population. */
async function slice(dir: string): Promise<string> {
  const file = `${dir}.slice-${REF_PATIENTS}.json`;
  const every = Math.max(1, Math.floor(PATIENTS / REF_PATIENTS));
  const ids: string[] = [];
  let i = 0;
  const rl = readline.createInterface({ input: fs.createReadStream(path.join(dir, 'Patient.ndjson')) });
  for await (const line of rl) {
    if (line && i++ % every === 0 && ids.length < REF_PATIENTS) ids.push(JSON.parse(line).id);
  }
  fs.writeFileSync(file, JSON.stringify(ids));
  return file;
}

async function onFreshDatabase<T>(dialect: string, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const dataDir = path.join(ROOT, `pglite-${schema}`);
  const env: NodeJS.ProcessEnv =
    dialect === 'postgres'
      ? { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema }
      : { DATABASE_URL: '', DATA_DIR: dataDir };
  try {
    return await fn(env);
  } finally {
    if (dialect === 'postgres') {
      const rt = await openRuntime(
        loadConfig({ ...process.env, DATABASE_URL: PG_URL, DATABASE_SCHEMA: 'public', LOG_LEVEL: 'silent' }),
        { migrate: false },
      );
      await rt.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await rt.close();
    } else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms = (t: Timing) => `${num(t.p50, 1)} / ${num(t.p95, 1)}`;
const diff = (a: string[], b: string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  const extra = a.filter((x) => !sb.has(x)).length;
  const missing = b.filter((x) => !sa.has(x)).length;
  return extra + missing === 0 ? 'yes' : `NO (+${extra} −${missing})`;
};

export async function runSegmentsBench(): Promise<void> {
  fs.mkdirSync(ROOT, { recursive: true });
  const pop = await population();
  const sliceFile = await slice(pop.dir);
  log(`inputs: ${num(PATIENTS)} patients, ${num(pop.resources)} resources; as of ${AS_OF.toISOString()}`);
  const dbs = new Map<string, DbResult>();
  for (const dialect of DIALECTS)
    await onFreshDatabase(dialect, async (env) => {
      log(`${dialect}: import, index, templates, incremental sync`);
      dbs.set(dialect, await child<DbResult>('db', env, [pop.dir, sliceFile]));
    });
  log('reference evaluator on the slice');
  const ref = await child<RefResult>('reference', {}, [pop.dir, sliceFile]);
  log('lake mode over the NDJSON folder');
  const lake = await child<LakeResult>('lake', {}, [pop.dir]);

  out(
    `\nSegments (${os.cpus().length} cores, ${num(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `${num(PATIENTS)} generated patients, ${num(pop.resources)} resources, seed bench-segments, as of ${AS_OF.toISOString()}):`,
  );
  out(
    table(
      [
        'database',
        'resources',
        'import s',
        'import res/s',
        'index s',
        'facts',
        'VACUUM ANALYZE s',
        'save+refresh 12 s',
        'peak RSS MiB',
      ],
      [...dbs].map(([d, r]) => [
        d,
        num(r.resources),
        num(r.importSeconds, 1),
        num(r.resources / r.importSeconds),
        num(r.rebuildSeconds, 1),
        num(r.facts),
        num(r.vacuumSeconds, 1),
        num(r.refreshAllSeconds, 1),
        num(r.maxRssMiB),
      ]),
    ),
  );
  const ratio = (a: Timing, b: Timing) => a.p50 / b.p50;
  for (const [d, r] of dbs) {
    out(
      `\nTemplates on ${d}${process.env.BENCH_SEGMENT_JIT === 'off' ? ' (JIT off)' : ''}, ms p50 / p95 over ${RUNS} runs after 1 warm-up; ratio = compiled p50 / hand-written p50 (goal ≤ 1.5):`,
    );
    out(
      table(
        [
          'template',
          'members',
          'compiled count',
          'hand count',
          'ratio',
          'compiled members',
          'hand members',
          'ratio',
          '< 1 s',
        ],
        r.templates.map((t) => [
          t.id,
          num(t.members),
          ms(t.countMs),
          ms(t.handCountMs),
          num(ratio(t.countMs, t.handCountMs), 2),
          ms(t.membersMs),
          ms(t.handMembersMs),
          num(ratio(t.membersMs, t.handMembersMs), 2),
          Math.max(t.countMs.p95, t.membersMs.p95) < 1000 ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  out(
    `\nIncremental update: one new HbA1c of 80 mmol/mol for a diabetic outside "diabetes-hba1c-above-target", 12 dynamic segments (goal < 100 ms):`,
  );
  out(
    table(
      [
        'database',
        'runs',
        'entered',
        'sync p50 ms',
        'sync p95 ms',
        'write+sync p50',
        'write+sync p95',
        'write p50',
      ],
      [...dbs].map(([d, r]) => [
        d,
        num(r.sync.runs),
        `${r.sync.entered}/${r.sync.tried}`,
        num(r.sync.p50, 1),
        num(r.sync.p95, 1),
        num(r.sync.total.p50, 1),
        num(r.sync.total.p95, 1),
        num(r.sync.write.p50, 1),
      ]),
    ),
  );
  out(
    `\nReference evaluator vs SQL on the same ${num(ref.patients)} patients (${num(ref.resources)} resources in memory, read in ${num(ref.loadSeconds, 1)} s); ` +
      `reference = evaluateReference over those resources (FHIRPath reading included), SQL = the compiled members query restricted to their ids; ms p50; agree = same members (+ only SQL, − only reference):`,
  );
  const dialects = [...dbs.keys()];
  const speedups: number[] = [];
  const disagreements: string[] = [];
  out(
    table(
      ['template', 'members', 'reference ms', ...dialects.flatMap((d) => [`${d} ms`, 'speed-up', 'agree'])],
      ref.templates.map((t) => [
        t.id,
        num(t.members.length),
        num(t.ms, 1),
        ...dialects.flatMap((d) => {
          const s = dbs.get(d)!.slice.find((x) => x.id === t.id)!;
          const agree = diff(s.members, t.members);
          if (agree !== 'yes') disagreements.push(`${t.id} on ${d}: ${agree}`);
          speedups.push(t.ms / s.ms);
          return [num(s.ms, 1), `${num(t.ms / s.ms, 1)}×`, agree];
        }),
      ]),
    ),
  );
  const lakeMismatch: string[] = [];
  out(
    `\nLake mode (DuckDB over the NDJSON folder): built in ${num(lake.buildSeconds, 1)} s (${num(lake.persons)} persons, ${num(lake.facts)} facts); ms p50 / p95:`,
  );
  out(
    table(
      ['template', 'lake count', ...dialects.map((d) => `${d} count`), 'lake ms', 'equal'],
      lake.templates.map((t) => {
        const stored = dialects.map((d) => dbs.get(d)!.templates.find((x) => x.id === t.id)!.members);
        const equal = stored.every((n) => n === t.count);
        if (!equal) lakeMismatch.push(t.id);
        return [t.id, num(t.count), ...stored.map((n) => num(n)), ms(t), equal ? 'yes' : 'NO'];
      }),
    ),
  );

  // Summary and verdict, from the numbers above only.
  const rows = [...dbs].map(([d, r]) => {
    const slowest = r.templates.reduce((a, t) =>
      Math.max(t.countMs.p95, t.membersMs.p95) > Math.max(a.countMs.p95, a.membersMs.p95) ? t : a,
    );
    const worst = r.templates.reduce((a, t) =>
      Math.max(ratio(t.countMs, t.handCountMs), ratio(t.membersMs, t.handMembersMs)) >
      Math.max(ratio(a.countMs, a.handCountMs), ratio(a.membersMs, a.handMembersMs))
        ? t
        : a,
    );
    const over = r.templates.filter(
      (t) => Math.max(ratio(t.countMs, t.handCountMs), ratio(t.membersMs, t.handMembersMs)) > 1.5,
    );
    return {
      d,
      r,
      under1s: r.templates.filter((t) => Math.max(t.countMs.p95, t.membersMs.p95) < 1000).length,
      slowest,
      slowestMs: Math.max(slowest.countMs.p95, slowest.membersMs.p95),
      worst,
      worstRatio: Math.max(
        ratio(worst.countMs, worst.handCountMs),
        ratio(worst.membersMs, worst.handMembersMs),
      ),
      over,
    };
  });
  out('\nSummary:');
  out(
    table(
      [
        'database',
        'templates < 1 s',
        'slowest p95 ms',
        'worst ratio',
        'ratios > 1.5',
        'sync p50 / p95 ms',
        'peak RSS MiB',
      ],
      [
        ...rows.map((x) => [
          x.d,
          `${x.under1s}/${x.r.templates.length}`,
          `${num(x.slowestMs, 1)} (${x.slowest.id})`,
          `${num(x.worstRatio, 2)} (${x.worst.id})`,
          String(x.over.length),
          `${num(x.r.sync.p50, 1)} / ${num(x.r.sync.p95, 1)}`,
          num(x.r.maxRssMiB),
        ]),
        ['reference', '', '', '', '', '', num(ref.maxRssMiB)],
        ['lake', '', '', '', '', '', num(lake.maxRssMiB)],
        ['parent', '', '', '', '', '', num(process.resourceUsage().maxRSS / 1024)],
      ],
    ),
  );
  const pg = rows.find((x) => x.d === 'postgres');
  const parts: string[] = [
    `Verdict on ${num(PATIENTS)} patients${PATIENTS === 100_000 ? '' : ' (the goals are stated for 100,000)'}:`,
  ];
  if (pg)
    parts.push(
      `every template under 1 s on PostgreSQL — ${pg.under1s === pg.r.templates.length ? 'met' : 'NOT met'} (slowest p95 ${num(pg.slowestMs, 1)} ms, ${pg.slowest.id});`,
    );
  for (const x of rows)
    parts.push(
      `compiled/hand-written ratio ≤ 1.5 on ${x.d} — ${x.over.length === 0 ? 'met' : `NOT met for ${x.over.map((t) => t.id).join(', ')}`} (worst ${num(x.worstRatio, 2)});`,
    );
  for (const x of rows)
    parts.push(
      `incremental update under 100 ms on ${x.d} — ${x.r.sync.p95 < 100 ? 'met' : x.r.sync.p50 < 100 ? 'met at p50 but not p95' : 'NOT met'} (p50 ${num(x.r.sync.p50, 1)} ms, p95 ${num(x.r.sync.p95, 1)} ms, ${x.r.sync.entered}/${x.r.sync.tried} entered);`,
    );
  const lo = Math.min(...speedups);
  const hi = Math.max(...speedups);
  parts.push(
    `SQL is ${num(lo, 1)}–${num(hi, 1)}× faster than the reference evaluator on ${num(ref.patients)} patients, and ${disagreements.length ? `DISAGREES on ${disagreements.join('; ')}` : 'agrees with it on every template'};`,
  );
  parts.push(
    `lake mode built in ${num(lake.buildSeconds, 1)} s and ${lakeMismatch.length ? `DIFFERS from the stored counts on ${lakeMismatch.join(', ')}` : 'matches the stored counts on every template'} (slowest p50 ${num(Math.max(...lake.templates.map((t) => t.p50)), 1)} ms).`,
  );
  out(`\n${parts.join(' ')}`);
}
