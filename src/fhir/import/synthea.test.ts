import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../test/helpers.ts';
import { SYNTHEA_COUNTS, unpackSynthea } from '../../../test/synthea.ts';
import { lastSeq } from '../changes.ts';
import { forEachReference } from '../references.ts';
import { type ImportSummary, importPaths } from './import-paths.ts';

/** Per-type counts from the corpus README, plus the one Group file. */
const CORPUS: Record<string, number> = { ...SYNTHEA_COUNTS, Group: 1 };

let env: TestEnv;
let unpacked: ReturnType<typeof unpackSynthea>;
let corpus: string;
let first: ImportSummary;

beforeAll(async () => {
  unpacked = unpackSynthea();
  corpus = unpacked.dir;
  env = await testEnv();
  // One worker thread: the path large imports take.
  first = await importPaths(env.store, [corpus], { workers: 1 });
});
afterAll(async () => {
  await env?.close();
  unpacked?.cleanup();
});

describe('importing the Synthea corpus', () => {
  it('reads every resource of the 103 files with zero errors; per-type counts equal the corpus', () => {
    expect(first.errors).toEqual([]);
    expect(first.errorCount).toBe(0);
    expect(first.files).toBe(103);
    expect(Object.fromEntries(Object.entries(first.types).map(([t, c]) => [t, c.read]))).toEqual(CORPUS);
    expect(first.totals.read).toBe(38971);
    for (const [type, c] of Object.entries(first.types)) {
      expect(c.read, type).toBe(c.created + c.updated + c.unchanged + c.failed);
    }
  });

  it('stores each id once: organizations and practitioners repeated across patient bundles are 203 each', async () => {
    const rows = await env.db.query<{ resource_type: string; n: number }>(
      'SELECT resource_type, count(*)::int AS n FROM fhir_resource GROUP BY resource_type',
    );
    const stored = Object.fromEntries(rows.map((r) => [r.resource_type, Number(r.n)]));
    expect(stored).toEqual({ ...CORPUS, Organization: 203, Practitioner: 203 });
  });

  it('stores bundle references as Type/id, and they resolve; the Group keeps its cross-file urn:uuid members', async () => {
    const rows = await env.db.query<{ resource_type: string; id: string; content: any }>(
      `SELECT resource_type, id, content FROM fhir_resource WHERE resource_type IN ('Observation', 'Encounter', 'Claim', 'Group')`,
    );
    const keys = new Set(
      (await env.db.query<{ k: string }>(`SELECT resource_type || '/' || id AS k FROM fhir_resource`)).map(
        (r) => r.k,
      ),
    );
    let checked = 0;
    for (const row of rows) {
      forEachReference(row.content, (ref) => {
        if (ref.reference.startsWith('#')) return;
        if (row.resource_type === 'Group') {
          expect(ref.reference).toMatch(/^urn:uuid:/);
          return;
        }
        expect(ref.reference).toMatch(/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/);
        expect(keys.has(ref.reference), ref.reference).toBe(true);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('re-imports without new versions except where the files themselves disagree', async () => {
    // Organizations and practitioners appear in the patient bundles and again,
    // with utilization extensions, in hospitalInformation/practitionerInformation.
    // Imported in order each such id alternates, so those (and only those) become new versions.
    const seq = await lastSeq(env.db);
    const again = await importPaths(env.store, [corpus], { workers: 0 });
    expect(again.errorCount).toBe(0);
    for (const [type, c] of Object.entries(again.types)) {
      if (type === 'Organization' || type === 'Practitioner') continue;
      expect(c, type).toEqual({
        read: CORPUS[type],
        created: 0,
        updated: 0,
        unchanged: CORPUS[type],
        failed: 0,
      });
    }
    expect(again.totals.created).toBe(0);
    const alternating = again.types.Organization.updated + again.types.Practitioner.updated;
    expect(await lastSeq(env.db)).toBe(seq + alternating);
  });
});
