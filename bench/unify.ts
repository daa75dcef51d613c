// The unify benchmark (issue 4): unify about BENCH_UNIFY_RECORDS source records
// (the generated population's EHR Patients plus noisy CRM and event lists about
// the same people) and score the result against the generator's ground truth;
// time canContact against a plain indexed lookup of the same rows; and time the
// patient 360 API with about BENCH_RESOURCES resources in the clinical store,
// against a FHIR Patient read in the same run. Every figure is measured here.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRuntime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { generateNoisyContacts } from '../src/generate/index.ts';
import { population } from './ingest.ts';
import { num, table } from './stats.ts';

const ROOT = path.join(os.tmpdir(), 'outreach-bench');
const RECORDS = Number(process.env.BENCH_UNIFY_RECORDS ?? 1_000_000);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'postgres,pglite').split(',');
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONTACT_SAMPLES = Number(process.env.BENCH_CONTACT_SAMPLES ?? 5000);
const RUNS_360 = Number(process.env.BENCH_360_RUNS ?? 300);
/** Which phases to run (comma-separated): unify (with canContact on its data) and 360. */
const PHASES = new Set((process.env.BENCH_UNIFY_PHASES ?? 'unify,360').split(','));
const SKIP_360 = !PHASES.has('360');

const log = (m: string) => process.stderr.write(`[bench unify] ${m}\n`);

function child<T>(task: string, env: NodeJS.ProcessEnv, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(import.meta.dirname, 'unify-child.ts'), task, ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!))
        : reject(new Error(`${task} exited ${code}`)),
    );
  });
}

/** Patients whose EHR record plus list rows come to about RECORDS, with the lists written once and cached. */
async function contactLists(): Promise<{ dir: string; patients: number; listRows: number }> {
  const probeDir = path.join(ROOT, 'unify-probe');
  const probe = await generateNoisyContacts({ patients: 2000, seed: 'bench-unify', outDir: probeDir });
  const perPatient = 1 + (probe.rows.crm + probe.rows.events) / 2000;
  const patients = Math.round(RECORDS / perPatient);
  const dir = path.join(ROOT, `unify-${patients}`);
  const marker = `${dir}.json`;
  if (!fs.existsSync(marker)) {
    log(`writing contact lists for ${num(patients)} patients into ${dir}`);
    const s = await generateNoisyContacts({
      patients,
      seed: 'bench-unify',
      outDir: dir,
      onProgress: (done, total) => {
        if (done % 100_000 === 0) log(`  ${num(done)}/${num(total)}`);
      },
    });
    fs.writeFileSync(marker, JSON.stringify(s));
  }
  const s = JSON.parse(fs.readFileSync(marker, 'utf8'));
  return { dir, patients, listRows: s.rows.crm + s.rows.events };
}

interface UnifyResult {
  records: number;
  seconds: number;
  perSecond: number;
  maxRssMiB: number;
  profiles: number;
  merged: number;
  conflicts: number;
  precision: number;
  recall: number;
}
interface ContactResult {
  samples: number;
  baseline: number;
  full: number;
  decideOnly: number;
  allowedShare: number;
}
interface P360Result {
  resources: number;
  importSeconds: number;
  patients: number;
  syncSeconds: number;
  runs: number;
  p50: number;
  p95: number;
  readP50: number;
  readP95: number;
}

async function dropSchema(schema: string): Promise<void> {
  const rt = await openRuntime(
    loadConfig({ ...process.env, DATABASE_URL: PG_URL, DATABASE_SCHEMA: 'public', LOG_LEVEL: 'silent' }),
    { migrate: false },
  );
  await rt.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await rt.close();
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
    if (dialect === 'postgres') await dropSchema(schema);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runUnifyBench(): Promise<void> {
  const lists = PHASES.has('unify') ? await contactLists() : { dir: '', patients: 0, listRows: 0 };
  if (PHASES.has('unify'))
    log(`inputs: ${num(lists.patients)} EHR patients + ${num(lists.listRows)} contact-list rows`);
  const pop = SKIP_360 ? null : await population();
  const unifyRows: (string | number)[][] = [];
  const contactRows: (string | number)[][] = [];
  const p360Rows: (string | number)[][] = [];
  for (const dialect of DIALECTS) {
    if (PHASES.has('unify'))
      await onFreshDatabase(dialect, async (env) => {
        log(`${dialect}: unifying`);
        const u = await child<UnifyResult>('unify', env, [String(lists.patients), lists.dir]);
        unifyRows.push([
          dialect,
          num(u.records),
          num(u.seconds, 1),
          num(u.perSecond),
          num(u.maxRssMiB),
          num(u.profiles),
          num(u.merged),
          num(u.conflicts),
          u.precision.toFixed(4),
          u.recall.toFixed(4),
        ]);
        log(`${dialect}: canContact`);
        const c = await child<ContactResult>('contact', env, [String(CONTACT_SAMPLES)]);
        contactRows.push([
          dialect,
          num(c.samples),
          num(c.baseline),
          num(c.full),
          num(c.full / c.baseline, 2),
          num(c.decideOnly),
        ]);
      });
    if (pop)
      await onFreshDatabase(dialect, async (env) => {
        log(`${dialect}: patient 360 with ${num(pop.resources)} resources`);
        const r = await child<P360Result>('360', env, [pop.dir, String(RUNS_360)]);
        p360Rows.push([
          dialect,
          num(r.resources),
          num(r.patients),
          num(r.syncSeconds, 1),
          num(r.p50, 1),
          num(r.p95, 1),
          num(r.readP50, 1),
          num(r.readP95, 1),
        ]);
      });
  }
  if (unifyRows.length) {
    process.stdout.write(
      `\nUnify (${os.cpus().length} cores, ${num(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
        `${num(lists.patients)} EHR patients + ${num(lists.listRows)} CRM/event rows, seed bench-unify):\n`,
    );
    process.stdout.write(
      table(
        [
          'database',
          'records',
          'seconds',
          'records/s',
          'peak RSS MiB',
          'profiles',
          'merges',
          'conflicts',
          'precision',
          'recall',
        ],
        unifyRows,
      ),
    );
    process.stdout.write(
      `\ncanContact, one profile at a time on one connection (load + decide), against a plain indexed lookup of the same rows:\n`,
    );
    process.stdout.write(
      table(
        ['database', 'profiles', 'baseline lookups/s', 'canContact/s', 'ratio', 'decide only (in memory)/s'],
        contactRows,
      ),
    );
  }
  if (p360Rows.length) {
    process.stdout.write(
      `\nPatient 360 over HTTP (${RUNS_360} profiles, sequential, after 30 warm-up), FHIR Patient read as baseline:\n`,
    );
    process.stdout.write(
      table(
        [
          'database',
          'resources',
          'profiles',
          'sync s',
          '360 p50 ms',
          '360 p95 ms',
          'read p50 ms',
          'read p95 ms',
        ],
        p360Rows,
      ),
    );
  }
}
