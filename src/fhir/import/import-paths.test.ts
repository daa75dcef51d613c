import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../test/helpers.ts';
import { lastSeq, readChanges } from '../changes.ts';
import { type ImportError, importPaths } from './import-paths.ts';

let env: TestEnv;
let dir: string;

beforeAll(async () => {
  env = await testEnv();
  dir = mkdtempSync(path.join(os.tmpdir(), 'import-test-'));
});
afterAll(async () => {
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

const patient = (id: string, family: string) => ({
  resourceType: 'Patient',
  id,
  name: [{ family }],
  gender: 'female',
  birthDate: '1970-01-01',
});
const observation = (id: string, patientId: string, value: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2020-01-01',
  valueQuantity: { value, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
});
const ndjson = (...lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await env.db.query<{ n: number }>(sql, params);
  return Number(row.n);
}

describe('importPaths with NDJSON', () => {
  it('stores the good lines and reports each bad line as file:line: reason, storing nothing of it', async () => {
    const file = path.join(dir, 'mixed.ndjson');
    writeFileSync(
      file,
      ndjson(
        patient('good-1', 'Andersson'),
        '{"resourceType": "Patient", "id": "broken"',
        { resourceType: 'Patient', id: 'wrong-type', birthDate: 19700101 },
        '',
        { resourceType: 'Pateint', id: 'unknown-type' },
        {
          resourceType: 'Observation',
          id: 'no-code',
          status: 'final',
          subject: { reference: 'Patient/good-1' },
        },
        observation('good-2', 'good-1', 48),
      ),
    );
    const errors: ImportError[] = [];
    const summary = await importPaths(env.store, [file], { workers: 0, onError: (e) => errors.push(e) });

    expect(errors.map((e) => `${e.file}:${e.line}`)).toEqual([
      `${file}:2`,
      `${file}:3`,
      `${file}:5`,
      `${file}:6`,
    ]);
    expect(errors[0].message).toMatch(new RegExp(`^${file}:2: malformed JSON`));
    expect(errors[1].message).toContain('Patient.birthDate');
    expect(errors[1].message).toContain('expected a JSON string');
    expect(errors[2].message).toContain("resourceType 'Pateint' is not a FHIR R4 resource type");
    expect(errors[3].message).toContain('Observation.code');
    expect(errors[3].message).toContain('required');
    expect(summary.errorCount).toBe(4);
    expect(summary.errors).toEqual(errors);
    expect(summary.types.Patient).toEqual({ read: 2, created: 1, updated: 0, unchanged: 0, failed: 1 });
    expect(summary.types.Observation).toEqual({ read: 2, created: 1, updated: 0, unchanged: 0, failed: 1 });

    expect((await env.store.read('Patient', 'good-1')).name[0].family).toBe('Andersson');
    expect((await env.store.read('Observation', 'good-2')).valueQuantity.value).toBe(48);
    for (const id of ['broken', 'wrong-type', 'unknown-type', 'no-code']) {
      expect(await count('SELECT count(*) AS n FROM fhir_resource WHERE id = $1', [id])).toBe(0);
      expect(await count('SELECT count(*) AS n FROM fhir_change WHERE id = $1', [id])).toBe(0);
    }
  });

  it('reads .ndjson.gz and many types per file, in batches, through a worker thread', async () => {
    const lines = [];
    for (let i = 0; i < 25; i++) {
      lines.push(patient(`gz-p${i}`, `Family${i}`));
      lines.push(observation(`gz-o${i}`, `gz-p${i}`, 40 + i));
    }
    const file = path.join(dir, 'population.ndjson.gz');
    writeFileSync(file, gzipSync(ndjson(...lines)));
    const progress: number[] = [];
    const summary = await importPaths(env.store, [file], {
      workers: 1,
      batchSize: 7,
      onProgress: (p) => progress.push(p.resources),
    });
    expect(summary.errorCount).toBe(0);
    expect(summary.types.Patient.created).toBe(25);
    expect(summary.types.Observation.created).toBe(25);
    expect(progress.at(-1)).toBe(50);
    expect(summary.bytes).toBeGreaterThan(0);
    const obs = await env.store.read('Observation', 'gz-o7');
    expect(obs.subject.reference).toBe('Patient/gz-p7');
    expect(await count(`SELECT count(*) AS n FROM fhir_resource WHERE patient_id = 'gz-p7'`)).toBe(2);
  });

  it('is idempotent: importing the same files again stores no new versions and adds nothing to the change feed', async () => {
    const files = [path.join(dir, 'mixed.ndjson'), path.join(dir, 'population.ndjson.gz')];
    const seq = await lastSeq(env.db);
    const versions = await count('SELECT count(*) AS n FROM fhir_history');
    const summary = await importPaths(env.store, files, { workers: 0 });
    expect(summary.totals.created + summary.totals.updated).toBe(0);
    expect(summary.totals.unchanged).toBe(52);
    expect(await lastSeq(env.db)).toBe(seq);
    expect(await count('SELECT count(*) AS n FROM fhir_history')).toBe(versions);
  });

  it('stores changed content as version 2 and keeps version 1 in the history, and tells the change feed', async () => {
    const file = path.join(dir, 'changed.ndjson');
    writeFileSync(file, ndjson(patient('gz-p3', 'Renamed')));
    const seq = await lastSeq(env.db);
    let woken = 0;
    const sub = env.feed.subscribe({ consumer: 'import-test', handle: async () => void woken++ });
    await sub.drain();
    woken = 0;
    const summary = await importPaths(env.store, [file], { workers: 0 });
    await sub.drain();
    await sub.stop();
    expect(summary.types.Patient).toEqual({ read: 1, created: 0, updated: 1, unchanged: 0, failed: 0 });
    const current = await env.store.read('Patient', 'gz-p3');
    expect(current.meta?.versionId).toBe('2');
    expect(current.name[0].family).toBe('Renamed');
    expect((await env.store.vread('Patient', 'gz-p3', '1')).name[0].family).toBe('Family3');
    const changes = await readChanges(env.db, seq, 10);
    expect(changes.map((c) => [c.resourceType, c.id, c.versionId, c.operation, c.patient])).toEqual([
      ['Patient', 'gz-p3', '2', 'update', 'gz-p3'],
    ]);
    expect(woken).toBe(1);
  });

  it('writes a type/id repeated in one batch in order: identical repeats are unchanged, a different one is the next version', async () => {
    const file = path.join(dir, 'repeats.ndjson');
    writeFileSync(file, ndjson(patient('rep-1', 'One'), patient('rep-1', 'One'), patient('rep-1', 'Two')));
    const summary = await importPaths(env.store, [file], { workers: 0 });
    expect(summary.types.Patient).toEqual({ read: 3, created: 1, updated: 1, unchanged: 1, failed: 0 });
    expect((await env.store.read('Patient', 'rep-1')).meta?.versionId).toBe('2');
  });
});

describe('importPaths with FHIR JSON', () => {
  it('imports bundle entries keeping ids, gives id-less entries one from the fullUrl, and rewrites urn:uuid references to Type/id', async () => {
    const sub = path.join(dir, 'bundles', 'nested');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub, { recursive: true });
    const pUrn = 'urn:uuid:3f0b5a3c-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const oUrn = 'urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: pUrn,
          resource: { resourceType: 'Patient', name: [{ family: 'Urn' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: oUrn,
          resource: { ...observation('b-obs-1', 'x', 50), subject: { reference: pUrn } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: { resourceType: 'Observation', id: 'b-obs-2', status: 'final' },
          request: { method: 'POST', url: 'Observation' },
        },
        { request: { method: 'DELETE', url: 'Patient/x' } },
        {
          resource: { ...patient('b-put', 'Put'), id: undefined },
          request: { method: 'PUT', url: 'Patient/b-put' },
        },
      ],
    };
    writeFileSync(path.join(sub, 'bundle.json'), JSON.stringify(bundle));
    writeFileSync(path.join(dir, 'bundles', 'single.json'), JSON.stringify(patient('single-1', 'Single')));
    writeFileSync(path.join(dir, 'bundles', 'notes.txt'), 'not FHIR');
    const errors: ImportError[] = [];
    const summary = await importPaths(env.store, [path.join(dir, 'bundles')], {
      workers: 0,
      onError: (e) => errors.push(e),
    });

    expect(summary.files).toBe(2);
    expect(errors.map((e) => e.message.split(': ')[0])).toEqual([
      `${path.join(sub, 'bundle.json')}#entry[2]`,
      `${path.join(sub, 'bundle.json')}#entry[3]`,
    ]);
    expect(errors[0].reason).toContain('Observation.code');
    expect(errors[1].reason).toContain('DELETE');
    const patientId = '3f0b5a3c-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    expect((await env.store.read('Patient', patientId)).name[0].family).toBe('Urn');
    expect((await env.store.read('Observation', 'b-obs-1')).subject.reference).toBe(`Patient/${patientId}`);
    expect((await env.store.read('Patient', 'b-put')).name[0].family).toBe('Put');
    expect((await env.store.read('Patient', 'single-1')).name[0].family).toBe('Single');
  });

  it('refuses a missing path before importing anything', async () => {
    await expect(importPaths(env.store, [path.join(dir, 'nope.ndjson')], { workers: 0 })).rejects.toThrow(
      /no such file or folder/,
    );
  });

  it('stops at a cancel and keeps what was committed', async () => {
    const file = path.join(dir, 'many.ndjson');
    writeFileSync(file, ndjson(...Array.from({ length: 30 }, (_, i) => patient(`cancel-${i}`, 'C'))));
    const controller = new AbortController();
    const summary = await importPaths(env.store, [file], {
      workers: 0,
      batchSize: 5,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.resources >= 10) controller.abort();
      },
    });
    expect(summary.cancelled).toBe(true);
    const stored = await count(`SELECT count(*) AS n FROM fhir_resource WHERE id LIKE 'cancel-%'`);
    expect(stored).toBe(summary.totals.created);
    expect(stored).toBeLessThan(30);
  });
});
