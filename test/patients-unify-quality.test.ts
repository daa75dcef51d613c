import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNoisyContacts, generatePopulation } from '../src/generate/index.ts';
import { importContacts } from '../src/patients/import-contacts.ts';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { type TestEnv, testEnv } from './helpers.ts';

/**
 * Unification measured against ground truth: the generator writes the same
 * people as EHR Patients and as noisy CSV lists (typos, nicknames, missing
 * personnummer, old addresses, family members sharing a phone), and says who
 * each row really is. Pairwise precision: of the record pairs we put in one
 * profile, how many are one person. Recall: of the pairs that are one person,
 * how many we put together.
 */
const PATIENTS = 600;
const SEED = 'unify-quality';
const AS_OF = new Date('2026-11-01T00:00:00Z');

let env: TestEnv;
let dir: string;

function pairs(groups: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const members of groups.values()) {
    const m = [...members].sort();
    for (let i = 0; i < m.length; i++) for (let j = i + 1; j < m.length; j++) out.add(`${m[i]}|${m[j]}`);
  }
  return out;
}

function group(entries: Iterable<[string, string]>): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const [record, key] of entries) g.set(key, [...(g.get(key) ?? []), record]);
  return g;
}

beforeAll(async () => {
  env = await testEnv(AS_OF.toISOString());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unify-quality-'));
  await generatePopulation({ patients: PATIENTS, seed: SEED, outDir: dir, asOf: AS_OF });
  await generateNoisyContacts({ patients: PATIENTS, seed: SEED, outDir: dir, asOf: AS_OF });
  const sync = subscribePatientSync(env.store, env.clock);
  for (const line of fs.readFileSync(path.join(dir, 'Patient.ndjson'), 'utf8').split('\n')) {
    if (!line) continue;
    const p = JSON.parse(line);
    await env.store.update('Patient', p.id, p);
  }
  await sync.drain();
  await sync.stop();
  for (const source of ['crm', 'events'] as const)
    await importContacts(env.db, fs.readFileSync(path.join(dir, `${source}.csv`)), {
      source,
      actor: 'test',
      now: AS_OF,
    });
});

afterAll(async () => {
  await env.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('unification quality on generated noisy sources', () => {
  it('reaches precision ≥ 0.995 and recall ≥ 0.95 over record pairs', async () => {
    const truth = new Map<string, string>();
    const lines = fs.readFileSync(path.join(dir, 'truth.csv'), 'utf8').trim().split('\n').slice(1);
    for (const l of lines) {
      const [source, externalId, personId] = l.split(',');
      truth.set(`${source}/${externalId}`, personId);
    }
    const rows = await env.db.query<{ source: string; external_id: string; profile_id: string }>(
      'SELECT source, external_id, profile_id FROM patient_record WHERE profile_id IS NOT NULL',
    );
    for (const r of rows) if (r.source === 'ehr') truth.set(`ehr/${r.external_id}`, r.external_id);
    const predicted = new Map(
      rows.map((r) => [`${r.source}/${r.external_id}`, r.profile_id] as [string, string]),
    );
    expect(predicted.size).toBe(truth.size);

    const truePairs = pairs(group([...truth].map(([rec, person]) => [rec, person])));
    const predictedPairs = pairs(group([...predicted]));
    let tp = 0;
    for (const p of predictedPairs) if (truePairs.has(p)) tp++;
    const precision = tp / predictedPairs.size;
    const recall = tp / truePairs.size;
    console.log(
      `unification: ${predicted.size} records, ${truePairs.size} true pairs, ${predictedPairs.size} predicted, precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.995);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('never merges a family member who shares the patient’s phone', async () => {
    const truth = new Map<string, string>();
    for (const l of fs.readFileSync(path.join(dir, 'truth.csv'), 'utf8').trim().split('\n').slice(1)) {
      const [source, externalId, personId] = l.split(',');
      truth.set(`${source}/${externalId}`, personId);
    }
    const rows = await env.db.query<{ source: string; external_id: string; profile_id: string }>(
      'SELECT source, external_id, profile_id FROM patient_record WHERE profile_id IS NOT NULL',
    );
    const people = new Map<string, Set<string>>();
    for (const r of rows) {
      const person = r.source === 'ehr' ? r.external_id : truth.get(`${r.source}/${r.external_id}`)!;
      people.set(r.profile_id, (people.get(r.profile_id) ?? new Set()).add(person));
    }
    const households = [...people.values()].filter((ps) => [...ps].some((p) => p.startsWith('household:')));
    expect(households.length).toBeGreaterThan(0);
    for (const ps of households) expect([...ps]).toHaveLength(1);
  });

  it('re-importing the same lists changes nothing', async () => {
    const before = await env.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM patient_profile WHERE status = 'active'",
    );
    const r = await importContacts(env.db, fs.readFileSync(path.join(dir, 'crm.csv')), {
      source: 'crm',
      actor: 'test',
      now: new Date(AS_OF.getTime() + 86_400_000),
    });
    expect(r.stats).toMatchObject({ created: 0, updated: 0, profilesCreated: 0, merged: 0 });
    expect(r.stats?.unchanged).toBe(r.accepted);
    const after = await env.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM patient_profile WHERE status = 'active'",
    );
    expect(after[0].n).toBe(before[0].n);
  });
});
