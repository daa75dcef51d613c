// One measured phase of the unify benchmark, in its own process so its peak RSS
// is its own. Prints one JSON line on stdout; progress goes to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { openRuntime, type Runtime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import { generatePatients } from '../src/generate/index.ts';
import { canContact, compileContactContext } from '../src/patients/consent/can-contact.ts';
import { loadContactContext } from '../src/patients/consent-store.ts';
import { recordFromPatient } from '../src/patients/fhir-patient.ts';
import { importContacts } from '../src/patients/import-contacts.ts';
import { consentPolicy, matchRules } from '../src/patients/settings.ts';
import { ensureSource, FHIR_SOURCE } from '../src/patients/sources.ts';
import { suppressionSecret } from '../src/patients/suppression.ts';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { addStats, emptyStats, unifyRecords } from '../src/patients/unify/engine.ts';
import { percentile } from './stats.ts';

const [task, arg1, arg2] = process.argv.slice(2);
const log = (m: string) => process.stderr.write(`[bench unify] ${m}\n`);
const AS_OF = new Date('2026-11-01T00:00:00Z');
const CHUNK = 2000;

async function unify(rt: Runtime, patients: number, contactsDir: string) {
  const started = performance.now();
  await ensureSource(rt.db, { name: FHIR_SOURCE, kind: 'fhir' }, AS_OF);
  const rules = await matchRules(rt.db);
  const secret = await suppressionSecret(rt.db, AS_OF);
  let stats = emptyStats();
  let chunk: ReturnType<typeof recordFromPatient>[] = [];
  const flush = async () => {
    const records = chunk;
    chunk = [];
    stats = addStats(
      stats,
      await rt.db.transaction((c) => unifyRecords(c, records, { rules, secret, actor: 'bench', now: AS_OF })),
    );
  };
  let n = 0;
  for (const p of generatePatients({ patients, seed: 'bench-unify', asOf: AS_OF })) {
    chunk.push(recordFromPatient(p as never, FHIR_SOURCE, AS_OF));
    if (chunk.length >= CHUNK) await flush();
    if (++n % 50_000 === 0)
      log(`  ehr ${n}/${patients} (${Math.round(n / ((performance.now() - started) / 1000))}/s)`);
  }
  await flush();
  for (const source of ['crm', 'events']) {
    const t = performance.now();
    const r = await importContacts(rt.db, fs.readFileSync(path.join(contactsDir, `${source}.csv`)), {
      source,
      actor: 'bench',
      now: AS_OF,
      onProgress: (done, total) => {
        if (done % 50_000 === 0 || done === total) log(`  ${source} ${done}/${total}`);
      },
    });
    log(
      `  ${source}: ${r.accepted} rows in ${((performance.now() - t) / 1000).toFixed(1)} s, ${r.rejected} rejected`,
    );
    if (r.stats) stats = addStats(stats, r.stats);
  }
  const seconds = (performance.now() - started) / 1000;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;

  // Pairwise precision and recall against the generator's ground truth.
  const truth = new Map<string, string>();
  for (const l of fs.readFileSync(path.join(contactsDir, 'truth.csv'), 'utf8').split('\n').slice(1)) {
    if (!l) continue;
    const [source, externalId, personId] = l.split(',');
    truth.set(`${source}/${externalId}`, personId);
  }
  const rows = await rt.db.query<{ source: string; external_id: string; profile_id: string }>(
    'SELECT source, external_id, profile_id FROM patient_record WHERE profile_id IS NOT NULL',
  );
  const byProfile = new Map<string, string[]>();
  const byPerson = new Map<string, number>();
  for (const r of rows) {
    const person =
      r.source === FHIR_SOURCE
        ? r.external_id
        : (truth.get(`${r.source}/${r.external_id}`) ?? `?${r.external_id}`);
    const list = byProfile.get(r.profile_id) ?? [];
    list.push(person);
    byProfile.set(r.profile_id, list);
    byPerson.set(person, (byPerson.get(person) ?? 0) + 1);
  }
  let predicted = 0;
  let tp = 0;
  for (const people of byProfile.values()) {
    predicted += (people.length * (people.length - 1)) / 2;
    const counts = new Map<string, number>();
    for (const p of people) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const c of counts.values()) tp += (c * (c - 1)) / 2;
  }
  let actual = 0;
  for (const c of byPerson.values()) actual += (c * (c - 1)) / 2;
  return {
    records: stats.received,
    seconds,
    perSecond: stats.received / seconds,
    maxRssMiB,
    profiles: byProfile.size,
    merged: stats.merged,
    conflicts: stats.conflicts,
    precision: predicted ? tp / predicted : 1,
    recall: actual ? tp / actual : 1,
  };
}

/**
 * canContact per message, against the plain indexed lookup of the same rows
 * (the profile by key, its contact points and its consents by profile id).
 */
async function contact(rt: Runtime, samples: number) {
  // A realistic consent history: a third granted outreach by SMS, some withdrew later.
  await rt.db.query(
    `INSERT INTO patient_consent (id, profile_id, channel, contact_value, purpose, topic, state, source, actor, evidence, at, recorded_at)
     SELECT gen_random_uuid(), id, 'sms', NULL, 'outreach', NULL, 'granted', 'bench', 'bench', '{"kind":"staff","note":"bench"}', $1, $1
     FROM patient_profile WHERE status = 'active' AND hashtext(id::text) % 3 = 0`,
    [AS_OF],
  );
  await rt.db.query('ANALYZE patient_profile, patient_contact_point, patient_consent');
  const ids = (
    await rt.db.query<{ id: string }>(
      `SELECT id FROM patient_profile WHERE status = 'active' ORDER BY hashtext(id::text) LIMIT $1`,
      [samples],
    )
  ).map((r) => r.id);
  const policy = await consentPolicy(rt.db);
  const req = { channel: 'sms' as const, purpose: 'outreach' as const, topic: 'events', at: AS_OF };
  const warm = ids.slice(0, 200);
  for (const id of warm) await loadContactContext(rt.db, id);

  let t = performance.now();
  let rowsSeen = 0;
  for (const id of ids) {
    const [p] = await rt.db.query('SELECT * FROM patient_profile WHERE id = $1', [id]);
    const cps = await rt.db.query('SELECT * FROM patient_contact_point WHERE profile_id = $1', [id]);
    const cs = await rt.db.query('SELECT * FROM patient_consent WHERE profile_id = $1', [id]);
    rowsSeen += (p ? 1 : 0) + cps.length + cs.length;
  }
  const baseline = ids.length / ((performance.now() - t) / 1000);

  t = performance.now();
  let allowed = 0;
  const contexts = [];
  for (const id of ids) {
    const ctx = await loadContactContext(rt.db, id);
    if (canContact(ctx!, req, policy).allowed) allowed++;
    contexts.push(ctx!);
  }
  const full = ids.length / ((performance.now() - t) / 1000);

  // The decision alone, on contexts already in memory (a send loads them in bulk).
  const compiled = contexts.map((c) => compileContactContext(c, policy));
  t = performance.now();
  let rounds = 0;
  while (performance.now() - t < 2000) {
    for (const c of compiled) c.decide(req);
    rounds++;
  }
  const decideOnly = (rounds * compiled.length) / ((performance.now() - t) / 1000);
  return { samples: ids.length, rowsSeen, baseline, full, decideOnly, allowedShare: allowed / ids.length };
}

/** Patient 360 over HTTP with the clinical store holding the generated population. */
async function p360(rt: Runtime, dir: string, runs: number) {
  let t = performance.now();
  const summary = await importPaths(rt.store, [dir], {});
  const resources = Object.values(summary.types).reduce((a, x) => a + x.read, 0);
  const importSeconds = (performance.now() - t) / 1000;
  log(`  imported ${resources} resources in ${importSeconds.toFixed(0)} s`);
  t = performance.now();
  const sync = subscribePatientSync(rt.store, rt.clock);
  await sync.drain();
  await sync.stop();
  const syncSeconds = (performance.now() - t) / 1000;
  const [{ n: patients }] = await rt.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM patient_profile WHERE status = 'active'",
  );
  log(`  ${patients} profiles synced in ${syncSeconds.toFixed(1)} s`);

  const { buildApp } = await import('../src/http/app.ts');
  const { createToken } = await import('../src/auth/tokens.ts');
  const app = await buildApp({
    config: rt.config,
    db: rt.db,
    clock: rt.clock,
    store: rt.store,
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const { token } = await createToken(rt.db, rt.clock, { name: 'bench', role: 'admin' });
  const headers = { authorization: `Bearer ${token}` };
  const sample = await rt.db.query<{ id: string; fhir: string }>(
    `SELECT r.profile_id AS id, r.external_id AS fhir FROM patient_record r WHERE r.source = 'ehr' AND r.profile_id IS NOT NULL
     ORDER BY hashtext(r.id::text) LIMIT $1`,
    [runs],
  );
  const time = async (u: string) => {
    const s = performance.now();
    const res = await fetch(u, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${u} answered ${res.status}`);
    return performance.now() - s;
  };
  for (const x of sample.slice(0, 30)) {
    await time(`${url}/api/profiles/${x.id}`);
    await time(`${url}/fhir/R4/Patient/${x.fhir}`);
  }
  const profile: number[] = [];
  const fhirRead: number[] = [];
  for (const x of sample) {
    profile.push(await time(`${url}/api/profiles/${x.id}`));
    fhirRead.push(await time(`${url}/fhir/R4/Patient/${x.fhir}`));
  }
  await app.close();
  profile.sort((a, b) => a - b);
  fhirRead.sort((a, b) => a - b);
  return {
    resources,
    importSeconds,
    patients,
    syncSeconds,
    runs: sample.length,
    p50: percentile(profile, 50),
    p95: percentile(profile, 95),
    readP50: percentile(fhirRead, 50),
    readP95: percentile(fhirRead, 95),
  };
}

const rt = await openRuntime(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }));
let out: unknown;
try {
  if (task === 'unify') out = await unify(rt, Number(arg1), arg2);
  else if (task === 'contact') out = await contact(rt, Number(arg1));
  else if (task === '360') out = await p360(rt, arg1, Number(arg2));
  else throw new Error(`unknown task ${task}`);
} finally {
  await rt.close();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
