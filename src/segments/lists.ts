import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { normalisePersonnummer } from '../patients/match/normalise.ts';

/**
 * Static lists: people named by personnummer/samordningsnummer or FHIR
 * patient id (a CSV column or picked in the UI), resolved to patients once,
 * at upload. A segment uses a list as a rule ({kind: "list"}), so lists
 * combine with anything by and / or / not.
 */
export const MAX_LIST_SIZE = 200_000;

export interface ListProblem {
  line: number;
  value: string;
  reason: string;
}

export interface ListResult {
  id: string;
  name: string;
  size: number;
  received: number;
  unmatched: number;
  problems: ListProblem[];
}

export class ListTooLarge extends Error {}

/** The identifiers of a CSV text: the first cell of each line; a first line that is no identifier is a header. */
export function identifiersFromCsv(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const cells = lines.map((l) => (l.split(/[,;\t]/)[0] ?? '').trim().replace(/^"(.*)"$/, '$1'));
  if (cells.length > 0 && !/\d/.test(cells[0])) cells.shift();
  return cells.filter((c) => c !== '');
}

export async function createList(
  db: Database,
  input: { name: string; identifiers: readonly string[] },
  actor: string,
  now: Date,
): Promise<ListResult> {
  if (input.identifiers.length > MAX_LIST_SIZE)
    throw new ListTooLarge(
      `identifiers: ${input.identifiers.length.toLocaleString('en')} given, at most ${MAX_LIST_SIZE.toLocaleString('en')}; split the list or build a segment rule instead`,
    );
  const problems: ListProblem[] = [];
  const pnrs = new Map<string, number>();
  const ids = new Map<string, number>();
  input.identifiers.forEach((raw, i) => {
    const v = raw.trim();
    const p = /^[\d\s+-]{10,13}$/.test(v) ? normalisePersonnummer(v, now) : undefined;
    if (p?.ok) pnrs.set(p.value, i + 1);
    else if (/^(Patient\/)?[A-Za-z0-9.-]{1,64}$/.test(v) && !/^\d{10,12}$/.test(v))
      ids.set(v.replace(/^Patient\//, ''), i + 1);
    else
      problems.push({
        line: i + 1,
        value: v,
        reason: p && !p.ok ? p.error : 'neither a personnummer nor a patient id',
      });
  });
  const found = new Set<string>();
  const patientOf = new Map<number, string>();
  if (pnrs.size > 0) {
    const rows = await db.query<{ personnummer: string; external_id: string }>(
      `SELECT p.personnummer, r.external_id FROM patient_profile p
       JOIN patient_record r ON r.profile_id = p.id AND r.source = 'ehr' AND NOT r.deleted
       WHERE p.personnummer = ANY($1::text[]) AND p.status = 'active'`,
      [[...pnrs.keys()]],
    );
    const byPnr = new Map<string, string>();
    for (const r of rows) byPnr.set(r.personnummer, r.external_id);
    for (const [pnr, line] of pnrs) {
      const id = byPnr.get(pnr);
      if (id) patientOf.set(line, id);
      else problems.push({ line, value: pnr, reason: 'no patient with this personnummer' });
    }
  }
  if (ids.size > 0) {
    const rows = await db.query<{ patient_id: string }>(
      'SELECT patient_id FROM segment_person WHERE patient_id = ANY($1::text[])',
      [[...ids.keys()]],
    );
    const known = new Set(rows.map((r) => r.patient_id));
    for (const [id, line] of ids) {
      if (known.has(id)) patientOf.set(line, id);
      else problems.push({ line, value: id, reason: 'no patient with this id' });
    }
  }
  for (const id of patientOf.values()) found.add(id);
  const id = randomUUID();
  await db.transaction(async (c) => {
    await c.query(
      'INSERT INTO segment_list (id, name, size, unmatched, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, input.name, found.size, problems.length, actor, now],
    );
    const all = [...found];
    for (let i = 0; i < all.length; i += 10_000)
      await c.query('INSERT INTO segment_list_member (list_id, patient_id) SELECT $1, unnest($2::text[])', [
        id,
        all.slice(i, i + 10_000),
      ]);
  });
  problems.sort((a, b) => a.line - b.line);
  return {
    id,
    name: input.name,
    size: found.size,
    received: input.identifiers.length,
    unmatched: problems.length,
    problems: problems.slice(0, 100),
  };
}

export async function listLists(
  db: Database,
): Promise<
  Array<{ id: string; name: string; size: number; unmatched: number; createdBy: string; createdAt: string }>
> {
  return (
    await db.query<{
      id: string;
      name: string;
      size: number;
      unmatched: number;
      created_by: string;
      created_at: Date;
    }>('SELECT id, name, size, unmatched, created_by, created_at FROM segment_list ORDER BY created_at DESC')
  ).map((r) => ({
    id: r.id,
    name: r.name,
    size: r.size,
    unmatched: r.unmatched,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}
