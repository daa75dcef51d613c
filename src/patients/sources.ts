import type { Queryable } from '../db/client.ts';
import { SOURCE_KINDS, type SourceKind } from './model.ts';

export interface Source {
  name: string;
  kind: SourceKind;
  label: string;
  /** Survivorship: a higher priority source wins a field. */
  priority: number;
  createdAt: string;
}

/** The EHR's Patient resources in the clinical store feed unification as this source. */
export const FHIR_SOURCE = 'ehr';

const DEFAULT_PRIORITY: Record<SourceKind, number> = { fhir: 100, manual: 80, form: 50, csv: 20 };

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function checkSourceName(name: string): string | null {
  return NAME.test(name)
    ? null
    : `source name '${name}' must be 1–63 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit (e.g. crm-2026)`;
}

interface SourceRow {
  name: string;
  kind: SourceKind;
  label: string;
  priority: number;
  created_at: Date | string;
}

const toSource = (r: SourceRow): Source => ({
  name: r.name,
  kind: r.kind,
  label: r.label,
  priority: Number(r.priority),
  createdAt: new Date(r.created_at).toISOString(),
});

export async function listSources(db: Queryable): Promise<Source[]> {
  return (await db.query<SourceRow>('SELECT * FROM patient_source ORDER BY priority DESC, name')).map(
    toSource,
  );
}

export async function getSource(db: Queryable, name: string): Promise<Source | null> {
  const [r] = await db.query<SourceRow>('SELECT * FROM patient_source WHERE name = $1', [name]);
  return r ? toSource(r) : null;
}

export interface NewSource {
  name: string;
  kind: SourceKind;
  label?: string;
  priority?: number;
}

/** Registers a source, or returns the existing one unchanged (a second import into a source must not re-rank it). */
export async function ensureSource(db: Queryable, s: NewSource, now: Date): Promise<Source> {
  const bad = checkSourceName(s.name);
  if (bad) throw new RangeError(bad);
  if (!SOURCE_KINDS.includes(s.kind))
    throw new RangeError(`source kind '${s.kind}' is unknown; use one of ${SOURCE_KINDS.join(', ')}`);
  await db.query(
    `INSERT INTO patient_source (name, kind, label, priority, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING`,
    [s.name, s.kind, s.label ?? s.name, s.priority ?? DEFAULT_PRIORITY[s.kind], now],
  );
  const found = (await getSource(db, s.name))!;
  if (found.kind !== s.kind)
    throw new RangeError(
      `source '${s.name}' is registered as kind ${found.kind}, not ${s.kind}; pick another source name`,
    );
  return found;
}

export async function updateSource(
  db: Queryable,
  name: string,
  change: { label?: string; priority?: number },
): Promise<Source | null> {
  const [r] = await db.query<SourceRow>(
    `UPDATE patient_source SET label = coalesce($2, label), priority = coalesce($3, priority)
     WHERE name = $1 RETURNING *`,
    [name, change.label ?? null, change.priority ?? null],
  );
  return r ? toSource(r) : null;
}
