import { type BulkItem, bulkUpsert, resourceOf, type TypeCounts } from '../bulk-write.ts';
import { sameContent } from '../resource-row.ts';
import type { FhirStore } from '../store.ts';

export interface WriteEntry<T> {
  item: BulkItem;
  /** Where the resource came from, handed back with a failure. */
  source: T;
}

export interface WriteOutcome<T> {
  counts: Record<string, TypeCounts>;
  failures: { source: T; type: string; reason: string }[];
}

/**
 * Writes validated resources in file order. A type/id that occurs twice in
 * one batch is written as if the occurrences came one after another: an
 * identical repeat counts as unchanged, a different one starts a new
 * transaction so it becomes the next version. Each commit wakes the change
 * feed's subscribers.
 */
export async function writeBatch<T>(
  store: FhirStore,
  entries: readonly WriteEntry<T>[],
): Promise<WriteOutcome<T>> {
  const out: WriteOutcome<T> = { counts: {}, failures: [] };
  let part: WriteEntry<T>[] = [];
  let keys = new Map<string, BulkItem>();
  for (const e of entries) {
    const key = `${e.item.type}/${e.item.id}`;
    const earlier = keys.get(key);
    if (earlier) {
      if (sameContent(resourceOf(earlier), resourceOf(e.item))) {
        counter(out.counts, e.item.type).unchanged++;
        continue;
      }
      await isolate(store, part, out);
      part = [];
      keys = new Map();
    }
    keys.set(key, e.item);
    part.push(e);
  }
  await isolate(store, part, out);
  return out;
}

/**
 * One transaction for the batch; when the database rejects a value (an out of
 * range date, a constraint) the batch is split until the offending resource
 * is found, so it alone is reported and every other one is stored. Errors
 * that are not about the data (connection lost, disk full) stop the import.
 */
async function isolate<T>(store: FhirStore, entries: WriteEntry<T>[], out: WriteOutcome<T>): Promise<void> {
  if (entries.length === 0) return;
  try {
    const counts = await bulkUpsert(
      store.db,
      store.clock,
      entries.map((e) => e.item),
    );
    store.feed.notify();
    for (const [type, c] of Object.entries(counts)) {
      const t = counter(out.counts, type);
      t.created += c.created;
      t.updated += c.updated;
      t.unchanged += c.unchanged;
    }
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (entries.length === 1) {
      const { type, id } = entries[0].item;
      out.failures.push({
        source: entries[0].source,
        type,
        reason: `the database rejected ${type}/${id}: ${(err as Error).message}`,
      });
      return;
    }
    const mid = entries.length >> 1;
    await isolate(store, entries.slice(0, mid), out);
    await isolate(store, entries.slice(mid), out);
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the rows, not the database. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

export function counter(counts: Record<string, TypeCounts>, type: string): TypeCounts {
  counts[type] ??= { created: 0, updated: 0, unchanged: 0 };
  return counts[type];
}
