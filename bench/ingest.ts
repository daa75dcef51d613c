// The ingest benchmark (issue 2): import a generated Swedish population of
// about BENCH_RESOURCES resources plus the Synthea corpus into each dialect,
// against a raw COPY of the same JSON measured in the same run on the same
// database; then time five typical searches. Every figure is measured here.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openRuntime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { search } from '../src/fhir/search/execute.ts';
import { parseSearch } from '../src/fhir/search/parse.ts';
import { generatePopulation } from '../src/generate/index.ts';
import { num, percentile, table } from './stats.ts';

const ROOT = path.join(os.tmpdir(), 'outreach-bench');

import { SYNTHEA_ARCHIVE as SYNTHEA } from '../test/synthea.ts';

const TARGET = Number(process.env.BENCH_RESOURCES ?? 1_000_000);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'postgres,pglite').split(',');
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SEARCH_RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 200);

interface StepResult {
  resources: number;
  seconds: number;
  perSecond: number;
  maxRssMiB: number;
}

function log(msg: string): void {
  process.stderr.write(`[bench ingest] ${msg}\n`);
}

export async function population(): Promise<{ dir: string; resources: number; patients: number }> {
  // Calibrate resources per patient on a small sample, then generate enough for the target.
  const probeDir = path.join(ROOT, 'probe');
  fs.rmSync(probeDir, { recursive: true, force: true });
  const probe = await generatePopulation({ patients: 500, seed: 'bench', outDir: probeDir });
  const perPatient = Object.values(probe.resources).reduce((a, b) => a + b, 0) / 500;
  const patients = Math.max(100, Math.round(TARGET / perPatient));
  const dir = path.join(ROOT, `gen-${patients}`);
  // Beside the folder, not in it: the folder is imported as a whole.
  const marker = `${dir}.summary.json`;
  if (!fs.existsSync(marker)) {
    fs.rmSync(dir, { recursive: true, force: true });
    log(`generating ${num(patients)} patients (≈${num(perPatient, 1)} resources each) into ${dir}`);
    const summary = await generatePopulation({
      patients,
      seed: 'bench',
      outDir: dir,
      onProgress: (done, total) => {
        if (done % 2000 === 0) log(`  ${num(done)}/${num(total)} patients`);
      },
    });
    fs.writeFileSync(marker, JSON.stringify(summary));
  }
  const summary = JSON.parse(fs.readFileSync(marker, 'utf8'));
  const resources = Object.values(summary.resources as Record<string, number>).reduce((a, b) => a + b, 0);
  return { dir, resources, patients };
}

function synthea(): string {
  const dir = path.join(ROOT, 'synthea');
  if (!fs.existsSync(path.join(dir, 'synthea-r4-100'))) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', SYNTHEA, '-C', dir]);
  }
  return path.join(dir, 'synthea-r4-100');
}

function child(task: 'copy' | 'import', env: NodeJS.ProcessEnv, inputs: string[]): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(import.meta.dirname, 'ingest-child.ts'), task, ...inputs], {
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

async function samplePatients(
  dir: string,
  n: number,
): Promise<{ id: string; identifier: string; family: string; birthYear: string }[]> {
  const out: { id: string; identifier: string; family: string; birthYear: string }[] = [];
  const rl = readline.createInterface({ input: fs.createReadStream(path.join(dir, 'Patient.ndjson')) });
  let i = 0;
  for await (const line of rl) {
    // Every 7th patient, so the sample spreads over the file.
    if (i++ % 7 !== 0) continue;
    const p = JSON.parse(line);
    const ident = p.identifier?.[0];
    out.push({
      id: p.id,
      identifier: `${ident.system}|${ident.value}`,
      family: p.name[0].family,
      birthYear: p.birthDate.slice(0, 4),
    });
    if (out.length >= n) break;
  }
  rl.close();
  return out;
}

const SEARCHES: {
  name: string;
  query: (p: { id: string; identifier: string; family: string; birthYear: string }) => [string, string];
}[] = [
  {
    name: 'latest HbA1c of a patient',
    query: (p) => ['Observation', `patient=${p.id}&code=http://loinc.org|59261-8&_sort=-date&_count=1`],
  },
  { name: 'patient by personnummer', query: (p) => ['Patient', `identifier=${p.identifier}`] },
  {
    name: 'patients by family name + birth year',
    query: (p) => ['Patient', `family=${p.family.slice(0, 5)}&birthdate=${p.birthYear}&_count=20`],
  },
  {
    name: 'active conditions of a patient',
    query: (p) => ['Condition', `patient=${p.id}&clinical-status=active`],
  },
  {
    name: 'encounters of a patient since 2020',
    query: (p) => ['Encounter', `patient=${p.id}&date=ge2020-01-01&_sort=-date&_count=50`],
  },
];

async function timeSearches(env: NodeJS.ProcessEnv, sample: Awaited<ReturnType<typeof samplePatients>>) {
  const rt = await openRuntime(loadConfig({ ...process.env, ...env, LOG_LEVEL: 'silent' }), {
    migrate: false,
  });
  const rows: (string | number)[][] = [];
  try {
    for (const s of SEARCHES) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < SEARCH_RUNS + 20; i++) {
        const [type, qs] = s.query(sample[i % sample.length]);
        const pairs = [...new URLSearchParams(qs).entries()];
        const t0 = performance.now();
        const bundle = await search(rt.db, parseSearch(type, pairs), 'http://bench/fhir/R4', pairs);
        const ms = performance.now() - t0;
        if (i >= 20) {
          times.push(ms);
          hits += bundle.entry?.length ?? 0;
        }
      }
      times.sort((a, b) => a - b);
      rows.push([
        s.name,
        num(percentile(times, 50), 2),
        num(percentile(times, 95), 2),
        num(hits / SEARCH_RUNS, 1),
      ]);
    }
  } finally {
    await rt.close();
  }
  return rows;
}

export async function runIngestBench(): Promise<void> {
  fs.mkdirSync(ROOT, { recursive: true });
  const pop = await population();
  const corpus = synthea();
  const inputs = [pop.dir, corpus];
  log(
    `inputs: ${num(pop.resources)} generated resources (${num(pop.patients)} patients) + Synthea corpus (38,971 resources)`,
  );
  const sample = await samplePatients(pop.dir, SEARCH_RUNS);

  const ingestRows: (string | number)[][] = [];
  const searchTables: string[] = [];
  for (const dialect of DIALECTS) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const dataDir = path.join(ROOT, `pglite-${schema}`);
    const env: NodeJS.ProcessEnv =
      dialect === 'postgres'
        ? { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema }
        : { DATABASE_URL: '', DATA_DIR: dataDir };
    try {
      log(`${dialect}: importing`);
      const imported = await child('import', env, inputs);
      log(`${dialect}: raw COPY baseline`);
      const copied = await child('copy', env, inputs);
      ingestRows.push([
        dialect,
        num(imported.resources),
        num(imported.seconds, 1),
        num(imported.perSecond),
        num(copied.perSecond),
        num(imported.perSecond / copied.perSecond, 2),
        num(imported.maxRssMiB),
      ]);
      log(`${dialect}: searches`);
      searchTables.push(
        `\nSearches on ${dialect} (${SEARCH_RUNS} runs each after 20 warm-up, in-process through the FHIR search code):\n` +
          table(['search', 'p50 ms', 'p95 ms', 'results/run'], await timeSearches(env, sample)),
      );
    } finally {
      if (dialect === 'postgres') {
        const rt = await openRuntime(
          loadConfig({
            ...process.env,
            DATABASE_URL: PG_URL,
            DATABASE_SCHEMA: 'public',
            LOG_LEVEL: 'silent',
          }),
          { migrate: false },
        );
        await rt.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await rt.close();
      } else fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    `\nIngest (${os.cpus().length} cores, ${num(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}):\n`,
  );
  process.stdout.write(
    `${table(['dialect', 'resources', 'import s', 'import res/s', 'raw COPY res/s', 'ratio', 'import peak RSS MiB'], ingestRows)}\n`,
  );
  process.stdout.write(`${searchTables.join('\n')}\n`);
}
