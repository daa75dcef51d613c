// One measured phase of the segments benchmark, in its own process so its peak
// RSS is its own: `db` (import, index, templates vs hand-written SQL, slice SQL,
// incremental sync) on the database the environment names, `reference` (the
// in-memory evaluator on the slice) or `lake` (DuckDB over the NDJSON folder).
// Prints one JSON line on stdout; progress goes to stderr.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { openRuntime, type Runtime } from '../src/cli/runtime.ts';
import { ManualClock } from '../src/config/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import type { FhirResource } from '../src/fhir/resource-row.ts';
import type { Definition } from '../src/segments/definition.ts';
import { applyQuerySettings, compileStored, loadEvalContext } from '../src/segments/evaluate.ts';
import { openLake } from '../src/segments/lake/index.ts';
import { rebuildSegmentIndex } from '../src/segments/projection.ts';
import { evaluateReference } from '../src/segments/reference/evaluate.ts';
import { createSegment } from '../src/segments/segment-store.ts';
import { SegmentService } from '../src/segments/service.ts';
import { TEMPLATES } from '../src/segments/templates.ts';
import { handWritten } from './segments-baseline.ts';
import { percentile } from './stats.ts';

const [task, dir, sliceFile] = process.argv.slice(2);
const AS_OF = new Date('2026-11-01T00:00:00Z');
const RUNS = Number(process.env.BENCH_SEGMENT_RUNS ?? 5);
const SYNC_RUNS = Number(process.env.BENCH_SEGMENT_SYNC_RUNS ?? 20);
/** BENCH_SEGMENT_JIT=off turns PostgreSQL's JIT off for both the compiled and the hand-written queries. */
const JIT_OFF = process.env.BENCH_SEGMENT_JIT === 'off';
const log = (m: string) => process.stderr.write(`[bench segments] ${m}\n`);
const secs = (t: number) => (performance.now() - t) / 1000;
const rss = () => process.resourceUsage().maxRSS / 1024;

export interface Timing {
  p50: number;
  p95: number;
}
const timing = (ms: number[]): Timing => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
};

/** One warm-up, then RUNS timed runs of each function, interleaved so drift hits all alike. */
async function timeAll<T>(fns: (() => Promise<T>)[], runs = RUNS): Promise<{ last: T[]; ms: number[][] }> {
  const last: T[] = [];
  for (const [i, f] of fns.entries()) last[i] = await f();
  const ms = fns.map(() => [] as number[]);
  for (let r = 0; r < runs; r++)
    for (const [i, f] of fns.entries()) {
      const t = performance.now();
      last[i] = await f();
      ms[i].push(performance.now() - t);
    }
  return { last, ms };
}

/**
 * A compiled query runs as the product runs it (evaluate.ts: its planner
 * settings); a hand-written one with the server's defaults and the same
 * work_mem. UTC so the hand-written interval arithmetic is exact.
 */
async function run(rt: Runtime, sql: string, product = false): Promise<Record<string, unknown>[]> {
  return rt.db.transaction(async (c) => {
    await c.query("SET LOCAL work_mem = '64MB'");
    await c.query("SET LOCAL TimeZone = 'UTC'");
    if (product) await applyQuerySettings(c);
    if (JIT_OFF) await c.query('SET LOCAL jit = off');
    return (await c.query<Record<string, unknown>>(sql)).rows;
  });
}
const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.patient_id as string);
const count = (rows: Record<string, unknown>[]) => Number(rows[0].n);

async function db(rt: Runtime, clock: ManualClock, slice: string[]) {
  let t = performance.now();
  let lastLog = 0;
  const summary = await importPaths(rt.store, [dir], {
    onProgress: (p) => {
      if (performance.now() - lastLog < 10_000) return;
      lastLog = performance.now();
      log(`  import ${p.resources.toLocaleString('en-US')} resources (${p.perSecond}/s)`);
    },
  });
  const resources = Object.values(summary.types).reduce((a, x) => a + x.read, 0);
  if (summary.errorCount)
    throw new Error(`${summary.errorCount} import errors, first: ${summary.errors[0]?.message}`);
  const importSeconds = secs(t);
  log(
    `  imported ${resources} resources in ${importSeconds.toFixed(1)} s (${Math.round(resources / importSeconds)}/s)`,
  );
  t = performance.now();
  const index = await rebuildSegmentIndex(rt.db, {
    onProgress: (p) => {
      if (performance.now() - lastLog < 10_000) return;
      lastLog = performance.now();
      log(`  index ${p.type}: ${p.resources} resources, ${p.facts} facts`);
    },
  });
  const rebuildSeconds = secs(t);
  log(`  segment index: ${index.persons} persons, ${index.facts} facts in ${rebuildSeconds.toFixed(1)} s`);
  t = performance.now();
  await rt.db.query('VACUUM ANALYZE segment_fact');
  await rt.db.query('VACUUM ANALYZE segment_person');
  const vacuumSeconds = secs(t);

  const ctx = await loadEvalContext(rt.db);
  const hand = handWritten(AS_OF);
  const templates = [];
  for (const tpl of TEMPLATES) {
    const t0 = performance.now();
    const compiled = await compileStored(rt.db, tpl.definition, AS_OF.getTime(), ctx);
    const compileMs = performance.now() - t0;
    const h = hand[tpl.id];
    if (!h) throw new Error(`no hand-written baseline for ${tpl.id}`);
    const { last, ms } = await timeAll([
      () => run(rt, compiled.countSql, true),
      () => run(rt, h.count),
      () => run(rt, compiled.membersSql, true),
      () => run(rt, h.members),
    ]);
    const [cc, hc, cm, hm] = last;
    if (count(cc) !== count(hc) || count(cc) !== cm.length)
      throw new Error(
        `${tpl.id}: compiled count ${count(cc)} (members ${cm.length}), hand-written ${count(hc)}`,
      );
    if (ids(cm).join() !== ids(hm).join()) throw new Error(`${tpl.id}: same count but different members`);
    const [countMs, handCountMs, membersMs, handMembersMs] = ms.map(timing);
    templates.push({
      id: tpl.id,
      members: cm.length,
      compileMs,
      countMs,
      handCountMs,
      membersMs,
      handMembersMs,
    });
    log(
      `  ${tpl.id}: ${cm.length} members; count ${countMs.p50.toFixed(1)} ms (hand-written ${handCountMs.p50.toFixed(1)}), ` +
        `members ${membersMs.p50.toFixed(1)} ms (hand-written ${handMembersMs.p50.toFixed(1)})`,
    );
  }

  // The same templates restricted to the reference slice (what the reference evaluator is compared with).
  const sliceRows = [];
  for (const tpl of TEMPLATES) {
    const compiled = await compileStored(rt.db, tpl.definition, AS_OF.getTime(), ctx, slice);
    const { last, ms } = await timeAll([() => run(rt, compiled.membersSql, true)]);
    sliceRows.push({ id: tpl.id, ms: timing(ms[0]).p50, members: ids(last[0]) });
  }
  log(`  slice of ${slice.length} patients evaluated`);

  // Dynamic segments, then one new HbA1c at a time and the incremental update it causes.
  const service = new SegmentService(rt.db, rt.store, clock);
  const segs = [];
  t = performance.now();
  for (const tpl of TEMPLATES) {
    const s = await createSegment(
      rt.db,
      { name: tpl.name.en, kind: 'dynamic', definition: tpl.definition, template: tpl.id },
      'bench',
      clock.now(),
    );
    await service.refresh(s, AS_OF.getTime());
    segs.push(s);
  }
  const refreshAllSeconds = secs(t);
  const target = segs.find((s) => s.template === 'diabetes-hba1c-above-target')!;
  const root = target.definition.root as Extract<Definition['root'], { kind: 'and' }>;
  const diabetics = ids(
    await run(
      rt,
      (await compileStored(rt.db, { version: 1, root: root.children[0] } as Definition, AS_OF.getTime(), ctx))
        .membersSql,
    ),
  );
  const inside = new Set(
    (
      await rt.db.query<{ patient_id: string }>(
        'SELECT patient_id FROM segment_member WHERE segment_id = $1 AND exited_at IS NULL',
        [target.id],
      )
    ).map((r) => r.patient_id),
  );
  const outside = diabetics.filter((id) => !inside.has(id));
  const step = Math.max(1, Math.floor(outside.length / (SYNC_RUNS + 2)));
  const picks = outside.filter((_, i) => i % step === 0).slice(0, SYNC_RUNS + 2);
  const syncMs: number[] = [];
  const writeMs: number[] = [];
  const totalMs: number[] = [];
  let entered = 0;
  for (const [i, patient] of picks.entries()) {
    clock.advance(2000);
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '59261-8', display: 'HbA1c (IFCC)' }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: new Date(clock.now().getTime() - 1000).toISOString(),
      valueQuantity: { value: 80, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
    };
    const t0 = performance.now();
    await rt.store.create(obs);
    const t1 = performance.now();
    await service.sync();
    const t2 = performance.now();
    const [row] = await rt.db.query(
      'SELECT 1 FROM segment_member WHERE segment_id = $1 AND patient_id = $2 AND exited_at IS NULL',
      [target.id, patient],
    );
    if (row) entered++;
    // The first two warm up.
    if (i >= 2) {
      writeMs.push(t1 - t0);
      syncMs.push(t2 - t1);
      totalMs.push(t2 - t0);
    }
  }
  await service.stop();
  log(`  incremental sync: ${entered}/${picks.length} patients entered`);
  return {
    resources,
    importSeconds,
    rebuildSeconds,
    facts: index.facts,
    persons: index.persons,
    vacuumSeconds,
    templates,
    slice: sliceRows,
    refreshAllSeconds,
    sync: {
      runs: syncMs.length,
      tried: picks.length,
      entered,
      ...timing(syncMs),
      write: timing(writeMs),
      total: timing(totalMs),
    },
    maxRssMiB: rss(),
  };
}

/** The slice's Patients and every resource that refers to one of them, from the NDJSON. */
async function readSlice(slice: Set<string>): Promise<FhirResource[]> {
  const out: FhirResource[] = [];
  const refs = /"reference"\s*:\s*"Patient\/([^"]+)"/g;
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.ndjson'))
    .sort()) {
    const isPatient = f === 'Patient.ndjson';
    for await (const line of readline.createInterface({
      input: fs.createReadStream(path.join(dir, f)),
      crlfDelay: Infinity,
    })) {
      if (!line) continue;
      const keep = isPatient
        ? slice.has(JSON.parse(line).id)
        : [...line.matchAll(refs)].some((m) => slice.has(m[1]));
      if (keep) out.push(JSON.parse(line));
    }
  }
  return out;
}

async function reference(slice: string[]) {
  let t = performance.now();
  const resources = await readSlice(new Set(slice));
  const loadSeconds = secs(t);
  log(
    `  reference: ${resources.length} resources of ${slice.length} patients read in ${loadSeconds.toFixed(1)} s`,
  );
  const opts = { asOf: AS_OF.getTime(), segment: () => undefined, careUnitRefs: () => [] };
  const templates = [];
  for (const tpl of TEMPLATES) {
    t = performance.now();
    const { last, ms } = await timeAll(
      [async () => evaluateReference(tpl.definition, resources, opts)],
      Math.min(RUNS, 3),
    );
    templates.push({ id: tpl.id, ms: timing(ms[0]).p50, members: last[0].members });
    log(`  reference ${tpl.id}: ${last[0].members.length} members, ${timing(ms[0]).p50.toFixed(0)} ms`);
  }
  return { patients: slice.length, resources: resources.length, loadSeconds, templates, maxRssMiB: rss() };
}

async function lake() {
  let last = 0;
  const l = await openLake(dir, {
    onProgress: (p) => {
      if (performance.now() - last < 10_000 && p.filesDone < p.files) return;
      last = performance.now();
      log(`  lake ${p.filesDone}/${p.files} files, ${p.persons} persons, ${p.facts} facts`);
    },
  });
  try {
    log(`  lake built in ${(l.buildMs / 1000).toFixed(1)} s: ${l.persons} persons, ${l.facts} facts`);
    const templates = [];
    for (const tpl of TEMPLATES) {
      const { last: r, ms } = await timeAll([() => l.evaluate(tpl.definition, AS_OF)]);
      templates.push({ id: tpl.id, count: r[0].count, ...timing(ms[0]) });
    }
    return {
      buildSeconds: l.buildMs / 1000,
      persons: l.persons,
      facts: l.facts,
      templates,
      maxRssMiB: rss(),
    };
  } finally {
    await l.close();
  }
}

const slice = sliceFile ? (JSON.parse(fs.readFileSync(sliceFile, 'utf8')) as string[]) : [];
let out: unknown;
if (task === 'db') {
  const clock = new ManualClock(AS_OF);
  const rt = await openRuntime(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), { clock });
  try {
    out = await db(rt, clock, slice);
  } finally {
    await rt.close();
  }
} else if (task === 'reference') out = await reference(slice);
else if (task === 'lake') out = await lake();
else throw new Error(`unknown task ${task}`);
process.stdout.write(`${JSON.stringify(out)}\n`);
