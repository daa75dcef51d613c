// The access-control benchmark (issue 3): the same patient read
// (GET /fhir/R4/Patient/{id}) served with authentication, the care-unit check
// and the audit write, and without any of them (the baseline), in one run on
// the same database, alternating rounds so drift hits both alike.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { createCareUnit } from '../src/auth/care-units.ts';
import { createToken } from '../src/auth/tokens.ts';
import { createUser } from '../src/auth/users.ts';
import { systemClock } from '../src/config/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { ChangeFeed } from '../src/fhir/changes.ts';
import { FhirStore } from '../src/fhir/store.ts';
import { buildApp } from '../src/http/app.ts';
import { num, percentile, table } from './stats.ts';

const run = promisify(execFile);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'postgres,pglite').split(',');
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 2000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHILD = path.join(import.meta.dirname, 'load-child.ts');

const log = (msg: string) => process.stderr.write(`[bench auth] ${msg}\n`);

interface Load {
  requests: number;
  failures: number;
  seconds: number;
  latencies: number[];
}

async function load(
  url: string,
  headers: Record<string, string>,
  paths: string[],
  requests: number,
): Promise<Load> {
  const { stdout } = await run(
    process.execPath,
    [CHILD, url, JSON.stringify(headers), JSON.stringify(paths), String(CONCURRENCY), String(requests)],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Load;
}

async function seed(url: string, admin: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  const batch = 250;
  for (let start = 0; start < PATIENTS; start += batch) {
    const entry = [];
    for (let i = start; i < Math.min(PATIENTS, start + batch); i++) {
      const id = `bench-p${i}`;
      ids.push(id);
      entry.push({
        resource: {
          resourceType: 'Patient',
          id,
          name: [{ family: `Efternamn${i}`, given: ['Förnamn'] }],
          birthDate: `19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
          gender: i % 2 ? 'female' : 'male',
          managingOrganization: { reference: `Organization/${i % 2 ? 'vc-a' : 'vc-b'}` },
        },
        request: { method: 'PUT', url: `Patient/${id}` },
      });
    }
    if (start === 0)
      for (const org of ['vc-a', 'vc-b'])
        entry.unshift({
          resource: { resourceType: 'Organization', id: org, name: org },
          request: { method: 'PUT', url: `Organization/${org}` },
        } as never);
    const res = await fetch(`${url}/fhir/R4`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  return ids;
}

async function benchDialect(dialect: string) {
  const schema = `bench_auth_${randomBytes(4).toString('hex')}`;
  const db: Database = await openDatabase(dialect === 'postgres' ? { databaseUrl: PG_URL, schema } : {});
  try {
    await migrate(db);
    const clock = systemClock;
    const store = new FhirStore(db, clock, new ChangeFeed(db));
    const config = loadConfig({ LOG_LEVEL: 'silent' }, { port: 0, host: '127.0.0.1' });
    const start = async (baseline: boolean) => {
      const app: FastifyInstance = await buildApp({
        config,
        db,
        clock,
        store,
        logger: false,
        benchmarkBaseline: baseline,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
    };
    const full = await start(false);
    const base = await start(true);
    const { token: adminToken } = await createToken(db, clock, { name: 'bench admin', role: 'admin' });
    log(`${dialect}: seeding ${num(PATIENTS)} patients in two care units`);
    const ids = await seed(full.url, { authorization: `Bearer ${adminToken}` });
    // A clinician of one care unit reading that unit's patients: the full check (token, role, care unit, audit).
    await createCareUnit(db, { id: 'unit-a', name: 'VC A', refs: ['Organization/vc-a'] });
    const { id: userId } = await createUser(db, clock, {
      email: 'bench.doctor@region.example.se',
      name: 'Bench',
      role: 'clinical',
      careUnits: ['unit-a'],
      password: 'benchmark password 1',
    });
    const { token } = await createToken(db, clock, { name: 'bench clinician', role: 'clinical', userId });
    const paths = ids.filter((_, i) => i % 2 === 1).map((id) => `/fhir/R4/Patient/${id}`);
    const auditBefore = Number(
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0].n,
    );

    const variants = {
      'with auth + audit': { url: full.url, headers: { authorization: `Bearer ${token}` } },
      'without (baseline)': { url: base.url, headers: {} },
    };
    for (const v of Object.values(variants)) await load(v.url, v.headers, paths, 500); // warm-up
    const results: Record<string, Load[]> = { 'with auth + audit': [], 'without (baseline)': [] };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so warm-up and drift favour neither.
      const order = r % 2 === 0 ? Object.entries(variants) : Object.entries(variants).reverse();
      for (const [name, v] of order) {
        const res = await load(v.url, v.headers, paths, REQUESTS);
        if (res.failures) throw new Error(`${name}: ${res.failures} requests did not answer 200`);
        results[name].push(res);
        log(`${dialect} round ${r + 1} ${name}: ${num(res.requests / res.seconds)} req/s`);
      }
    }
    const auditAfter = Number(
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0].n,
    );
    const audited = auditAfter - auditBefore;
    await full.app.close();
    await base.app.close();

    const summary = Object.fromEntries(
      Object.entries(results).map(([name, rounds]) => {
        const lat = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
        const rps = rounds.map((r) => r.requests / r.seconds).sort((a, b) => a - b);
        return [
          name,
          { rps: rps[Math.floor(rps.length / 2)], p50: percentile(lat, 50), p95: percentile(lat, 95) },
        ];
      }),
    );
    return { dialect, summary, audited, expectedAudited: 500 + ROUNDS * REQUESTS };
  } finally {
    if (dialect === 'postgres') await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
  }
}

export async function runAuthBench(): Promise<void> {
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const dialect of DIALECTS) {
    const r = await benchDialect(dialect);
    const withAuth = r.summary['with auth + audit'];
    const without = r.summary['without (baseline)'];
    const ratio = withAuth.rps / without.rps;
    rows.push([
      dialect,
      'without (baseline)',
      num(without.rps),
      num(without.p50, 2),
      num(without.p95, 2),
      '',
    ]);
    rows.push([
      dialect,
      'with auth + audit',
      num(withAuth.rps),
      num(withAuth.p50, 2),
      num(withAuth.p95, 2),
      num(ratio, 2),
    ]);
    notes.push(
      `${dialect}: access control costs ${num((1 - ratio) * 100, 1)}% of throughput (goal < 20%); audit records written ${num(r.audited)} for ${num(r.expectedAudited)} reads`,
    );
  }
  process.stdout.write(
    `\nPatient read GET /fhir/R4/Patient/{id}, ${num(CONCURRENCY)} concurrent keep-alive clients, ${ROUNDS} rounds × ${num(REQUESTS)} requests (median round req/s; latency over all rounds), Node ${process.version}\n`,
  );
  process.stdout.write(`${table(['dialect', 'variant', 'req/s', 'p50 ms', 'p95 ms', 'ratio'], rows)}\n`);
  for (const n of notes) process.stdout.write(`${n}\n`);
}
