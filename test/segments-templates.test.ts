import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import { generatePopulation } from '../src/generate/index.ts';
import { DEFAULT_AS_OF } from '../src/generate/population.ts';
import { codeSystem } from '../src/segments/codes.ts';
import { compileDefinition, type SqlDialect, UnsupportedInDialect } from '../src/segments/compile.ts';
import { type CodeFilter, DefinitionSchema, type Node } from '../src/segments/definition.ts';
import { rebuildSegmentIndex } from '../src/segments/projection.ts';
import { labelsOf, svLabel } from '../src/segments/templates/labels.ts';
import { systemLabel, type ValueSet } from '../src/segments/templates/value-sets.ts';
import {
  TEMPLATE_CATEGORIES,
  TEMPLATES,
  templateById,
  templateToSegment,
} from '../src/segments/templates.ts';
import { validateDefinition } from '../src/segments/validate.ts';
import { type TestEnv, testEnv } from './helpers.ts';

/**
 * The template catalogue (issue 5, "Templates"): every template is a valid,
 * compilable definition whose codes are documented, and on a generated
 * Swedish population each one finds somebody but not everybody.
 */
const PATIENTS = 1500;
const SEED = 'templates';
const AS_OF = DEFAULT_AS_OF.getTime();

const noContext = { segment: () => undefined, list: () => false, careUnit: () => false };

function walk(n: Node): Node[] {
  switch (n.kind) {
    case 'and':
    case 'or':
      return [n, ...n.children.flatMap(walk)];
    case 'not':
      return [n, ...walk(n.child)];
    default:
      return [n];
  }
}

const filtersOf = (n: Node): CodeFilter[] =>
  walk(n).flatMap((x) => (x.kind === 'clinical' || x.kind === 'observation' ? (x.codes ?? []) : []));

const compile = (def: (typeof TEMPLATES)[number]['definition'], dialect: SqlDialect) =>
  compileDefinition(def, { asOf: AS_OF, dialect, segment: () => undefined, careUnitRefs: () => [] });

describe('the template catalogue', () => {
  it('has at least twelve templates with unique kebab-case ids, both languages and a source', () => {
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(12);
    expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
    for (const t of TEMPLATES) {
      expect(t.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const text of [t.name.sv, t.name.en, t.description.sv, t.description.en])
        expect(text.trim()).not.toBe('');
      expect(Object.keys(TEMPLATE_CATEGORIES)).toContain(t.category);
      expect(t.guideline.title.trim(), t.id).not.toBe('');
      expect(t.guideline.publisher.trim(), t.id).not.toBe('');
      expect(t.guideline.note.length, t.id).toBeGreaterThan(40);
      if (t.guideline.url !== undefined) expect(t.guideline.url).toMatch(/^https:\/\/[^\s]+$/);
    }
  });

  it('covers the twelve questions the issue names', () => {
    for (const id of [
      'diabetes-hba1c-above-target',
      'diabetes-no-hba1c-12-months',
      'mammography-screening-due',
      'cervical-screening-due',
      'colorectal-screening-due',
      'influenza-vaccination-due',
      'pneumococcal-vaccination-due',
      'hypertension-above-target',
      'appointment-next-48-hours',
      'discharged-last-7-days',
      'asthma-copd-no-follow-up',
      'no-shows-12-months',
    ])
      expect(templateById(id), id).toBeDefined();
  });

  it.each(TEMPLATES.map((t) => [t.id, t] as const))(
    '%s parses, validates and compiles for both dialects',
    (_, t) => {
      expect(DefinitionSchema.parse(t.definition)).toEqual(t.definition);
      expect(validateDefinition(t.definition, noContext)).toEqual([]);
      expect(compile(t.definition, 'postgres').membersSql).toContain('SELECT p.patient_id');
      const needsProfiles = walk(t.definition.root).some((n) =>
        ['consent', 'list', 'engagement'].includes(n.kind),
      );
      try {
        expect(compile(t.definition, 'duckdb').membersSql).toContain('SELECT p.patient_id');
        expect(needsProfiles).toBe(false);
      } catch (e) {
        expect(e).toBeInstanceOf(UnsupportedInDialect);
        expect(needsProfiles).toBe(true);
      }
    },
  );

  it.each(TEMPLATES.map((t) => [t.id, t] as const))(
    '%s documents exactly the codes its rules use',
    (_, t) => {
      const key = (system: string, codes: readonly string[], descendants?: boolean) =>
        `${system}|${[...codes].sort().join(',')}|${descendants === true}`;
      const used = new Set(
        filtersOf(t.definition.root).map((f) => {
          expect(codeSystem(f.system), f.system).toBeDefined();
          return key(systemLabel(f.system as ValueSet['system']), f.codes, f.descendants);
        }),
      );
      const documented = new Set(t.codes.map((c) => key(c.system, c.codes, c.descendants)));
      expect([...used].filter((k) => !documented.has(k))).toEqual([]);
      expect([...documented].filter((k) => !used.has(k))).toEqual([]);
      for (const c of t.codes) expect(c.meaning.trim()).not.toBe('');
    },
  );

  it('pairs the Swedish coding with the international one wherever a diagnosis, vaccine or screening is coded', () => {
    for (const t of TEMPLATES) {
      const systems = new Set(t.codes.map((c) => c.system));
      if (systems.has('SNOMED CT') && t.category !== 'care-transitions')
        expect(
          [...systems].some((s) => ['ICD-10-SE', 'KVÅ', 'ATC'].includes(s)),
          t.id,
        ).toBe(true);
      if (systems.has('ATC')) expect(systems.has('CVX'), t.id).toBe(true);
    }
  });

  it('is described in docs/segment-templates.md with its names and every code', () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, '../docs/segment-templates.md'), 'utf8');
    for (const t of TEMPLATES) {
      expect(doc, t.id).toContain(`### ${t.id}`);
      expect(doc, t.id).toContain(t.name.sv);
      expect(doc, t.id).toContain(t.name.en);
      expect(doc, t.id).toContain(t.guideline.title);
      for (const c of t.codes)
        for (const code of c.codes) expect(doc, `${t.id} ${code}`).toContain(`\`${code}\``);
    }
  });

  it('has a Swedish label for every rule label', () => {
    const missing = TEMPLATES.flatMap((t) => labelsOf(t.definition.root)).filter(
      (l) => svLabel(l) === undefined,
    );
    expect(missing).toEqual([]);
  });
});

describe('templateToSegment', () => {
  it('returns a fresh, editable deep copy that shares nothing with the template', () => {
    const t = templateById('cervical-screening-due')!;
    const before = structuredClone(t.definition);
    const a = templateToSegment(t.id, 'en')!;
    const b = templateToSegment(t.id, 'en')!;
    expect(a).toEqual({
      name: t.name.en,
      description: t.description.en,
      kind: 'dynamic',
      definition: t.definition,
      template: t.id,
    });
    expect(a.definition).not.toBe(t.definition);
    expect(a.definition.root).not.toBe(t.definition.root);
    expect(a.definition).not.toBe(b.definition);
    // Editing the copy, however deep, leaves the template and other copies alone.
    const root = a.definition.root as Extract<Node, { kind: 'and' }>;
    root.children.push({ kind: 'age', max: 30 });
    const band = (root.children[1] as Extract<Node, { kind: 'or' }>).children[0] as Extract<
      Node,
      { kind: 'and' }
    >;
    (band.children[0] as Extract<Node, { kind: 'age' }>).min = 30;
    a.name = 'Mitt urval';
    expect(t.definition).toEqual(before);
    expect(b.definition).toEqual(before);
    expect(t.name.en).toBe('Cervical screening due');
  });

  it('speaks Swedish by default, rule labels included, and keeps the rules', () => {
    const t = templateById('influenza-vaccination-due')!;
    const sv = templateToSegment(t.id)!;
    expect(sv.name).toBe(t.name.sv);
    expect(sv.description).toBe(t.description.sv);
    expect(labelsOf(sv.definition.root)).toEqual(labelsOf(t.definition.root).map((l) => svLabel(l)));
    const unlabelled = (d: unknown) =>
      JSON.parse(JSON.stringify(d, (k, v) => (k === 'label' ? undefined : v)));
    expect(unlabelled(sv.definition)).toEqual(unlabelled(t.definition));
  });

  it('keeps the catalogue itself frozen, and knows no unknown template', () => {
    expect(Object.isFrozen(TEMPLATES)).toBe(true);
    for (const t of TEMPLATES) for (const n of walk(t.definition.root)) expect(Object.isFrozen(n)).toBe(true);
    expect(templateById('no-such-template')).toBeUndefined();
    expect(templateToSegment('no-such-template')).toBeUndefined();
  });
});

describe('the templates on a generated population', () => {
  let env: TestEnv;
  let dir: string;
  let living: number;
  const counts = new Map<string, number>();

  beforeAll(async () => {
    env = await testEnv(DEFAULT_AS_OF.toISOString());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-templates-'));
    await generatePopulation({ patients: PATIENTS, seed: SEED, outDir: dir, asOf: DEFAULT_AS_OF });
    const imported = await importPaths(env.store, [dir], { workers: 0 });
    expect(imported.errorCount).toBe(0);
    await rebuildSegmentIndex(env.db);
    const [row] = await env.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM segment_person WHERE deceased_at IS NULL OR deceased_at > $1',
      [DEFAULT_AS_OF.toISOString()],
    );
    living = row.n;
  }, 240_000);

  afterAll(async () => {
    console.log(
      `templates on ${PATIENTS} generated patients (${living} living) at ${DEFAULT_AS_OF.toISOString()}:\n${[
        ...counts,
      ]
        .map(([id, n]) => `  ${id.padEnd(32)} ${String(n).padStart(5)}`)
        .join('\n')}`,
    );
    await env?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const members = async (id: string) => {
    const rows = await env.db.query<{ patient_id: string }>(
      compile(templateById(id)!.definition, 'postgres').membersSql,
    );
    return rows.map((r) => r.patient_id);
  };

  it.each(TEMPLATES.map((t) => [t.id] as const))('%s finds somebody, but not everybody', async (id) => {
    const ids = await members(id);
    counts.set(id, ids.length);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(living);
  });

  it('finds in each screening segment only people of the programme’s sex and ages', async () => {
    const people = async (ids: string[]) =>
      env.db.query<{ gender: string; birth_date: string }>(
        'SELECT gender, birth_date FROM segment_person WHERE patient_id = ANY($1::text[])',
        [ids],
      );
    const age = (birth: string) => {
      const today = DEFAULT_AS_OF.toISOString().slice(0, 10);
      const years = Number(today.slice(0, 4)) - Number(birth.slice(0, 4));
      return today.slice(5) < birth.slice(5) ? years - 1 : years;
    };
    for (const p of await people(await members('mammography-screening-due'))) {
      expect(p.gender).toBe('female');
      expect(age(p.birth_date)).toBeGreaterThanOrEqual(40);
      expect(age(p.birth_date)).toBeLessThanOrEqual(74);
    }
    const cervical = await people(await members('cervical-screening-due'));
    expect(
      cervical.every((p) => p.gender === 'female' && age(p.birth_date) >= 23 && age(p.birth_date) <= 64),
    ).toBe(true);
    // Both age bands contribute: the OR of two banded rules.
    expect(cervical.some((p) => age(p.birth_date) < 50)).toBe(true);
    expect(cervical.some((p) => age(p.birth_date) >= 50)).toBe(true);
    for (const p of await people(await members('colorectal-screening-due'))) {
      expect(age(p.birth_date)).toBeGreaterThanOrEqual(60);
      expect(age(p.birth_date)).toBeLessThanOrEqual(74);
    }
  });

  it('splits diabetics with a recent HbA1c from those without one', async () => {
    const high = new Set(await members('diabetes-hba1c-above-target'));
    const none = await members('diabetes-no-hba1c-12-months');
    expect(none.filter((id) => high.has(id))).toEqual([]);
  });
});
