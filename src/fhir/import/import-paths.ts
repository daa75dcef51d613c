import { spliceMeta } from '../bulk-write.ts';
import type { FhirStore } from '../store.ts';
import type { CheckResult } from './check.ts';
import { type Checker, defaultWorkerCount, inlineChecker, workerChecker } from './checker.ts';
import { type ByteCounter, listInputs, readRecords, type SourceRecord } from './sources.ts';
import { type WriteEntry, writeBatch } from './write-batch.ts';

export interface ImportProgress {
  /** Resources handled so far (stored, unchanged or rejected). */
  resources: number;
  bytes: number;
  totalBytes: number;
  errors: number;
  perSecond: number;
}

export interface ImportError {
  file: string;
  /** NDJSON line, or 1-based entry position in a bundle; 0 = the file as a whole. */
  line: number;
  /** Bundle files: 0-based Bundle.entry index. */
  entry?: number;
  reason: string;
  /** `file:line: reason` (`file#entry[n]: reason` for bundle entries). */
  message: string;
}

export interface TypeSummary {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface ImportSummary {
  types: Record<string, TypeSummary>;
  totals: TypeSummary;
  /** All errors, including those not kept in `errors`. */
  errorCount: number;
  /** The first `maxErrorsKept` errors, in the order found. */
  errors: ImportError[];
  files: number;
  bytes: number;
  elapsedMs: number;
  perSecond: number;
  /** The signal aborted the import; what was committed before stays. */
  cancelled: boolean;
}

export interface ImportOptions {
  onProgress?(p: ImportProgress): void;
  onError?(e: ImportError): void;
  /** Resources per transaction (default 2,000). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Concurrent write transactions (PostgreSQL default 2; PGlite is one connection, so 1). */
  writers?: number;
  /** Validation worker threads; 0 validates in this thread. Default: cores − 1 (at least 1), or 0 for inputs under 4 MB. */
  workers?: number;
  /** How many errors the summary keeps (default 1,000); all are counted and passed to onError. */
  maxErrorsKept?: number;
  /** Monotonic milliseconds, for elapsed time and rates. */
  now?: () => number;
}

export const DEFAULT_BATCH_SIZE = 2000;
/** A batch is also cut at this much NDJSON text, so a file of very large resources stays within memory. */
const MAX_BATCH_TEXT = 32 * 1024 * 1024;
/** Below this much input, validation runs in this thread unless `workers` says otherwise. */
const SMALL_IMPORT_BYTES = 4 * 1024 * 1024;
/**
 * After this many writes the planner's statistics are refreshed and the token
 * index's pending list merged: a store that grew from nothing to a million rows
 * would otherwise be planned as if empty (and PGlite has no autovacuum to do it later).
 */
const ANALYZE_AFTER = 1000;

async function analyzeStore(store: FhirStore): Promise<void> {
  await store.db.query('ANALYZE fhir_resource, fhir_date, fhir_string, fhir_quantity, fhir_change');
  // New GIN entries wait in a pending list that every token search scans linearly until
  // VACUUM merges it (PGlite never vacuums on its own): merge it now. Measured: an
  // identifier lookup went from 47 ms to 0.2 ms.
  await store.db.query(`SELECT gin_clean_pending_list('fhir_resource_tokens'::regclass)`);
}

/** Two writers let PostgreSQL use a second core for index maintenance while the first commits. */
const DEFAULT_PG_WRITERS = 2;

interface PendingWrite {
  keys: Promise<Set<string>>;
  done: Promise<void>;
}

const keysOf = (results: CheckResult[]): Set<string> => {
  const keys = new Set<string>();
  for (const r of results) if (r.ok) keys.add(`${r.type}/${r.id}`);
  return keys;
};

function overlaps(a: Set<string>, b: Set<string>): boolean {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const k of small) if (large.has(k)) return true;
  return false;
}

/** At most n tasks at once, started in the order they ask. */
class Slots {
  #free: number;
  readonly #queue: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export function formatImportError(e: Pick<ImportError, 'file' | 'line' | 'entry' | 'reason'>): string {
  const where =
    e.line === 0 ? e.file : e.entry !== undefined ? `${e.file}#entry[${e.entry}]` : `${e.file}:${e.line}`;
  return `${where}: ${e.reason}`;
}

const emptyType = (): TypeSummary => ({ read: 0, created: 0, updated: 0, unchanged: 0, failed: 0 });

/**
 * Imports FHIR JSON (resources and bundles) and Bulk Data NDJSON from files
 * and folders, keeping resource ids: new ids are created, changed content
 * becomes a new version, identical content is left alone, so importing the
 * same files again changes nothing. Bad records are reported one by one and
 * skipped; everything else is stored.
 *
 * Three stages overlap: this thread reads records into batches, workers parse,
 * validate and index them, and batches are written in order, each in one
 * transaction. At most a few batches are in flight, so memory stays bounded
 * whatever the size of the input.
 */
export async function importPaths(
  store: FhirStore,
  paths: readonly string[],
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  const maxKept = opts.maxErrorsKept ?? 1000;
  const inputs = await listInputs(paths);
  const totalBytes = inputs.reduce((n, f) => n + f.size, 0);
  const counter: ByteCounter = { bytes: 0 };
  const types: Record<string, TypeSummary> = {};
  const errors: ImportError[] = [];
  let errorCount = 0;
  let handled = 0;

  const rate = () => {
    const s = (now() - started) / 1000;
    return s > 0 ? Math.round(handled / s) : 0;
  };
  const progress = () =>
    opts.onProgress?.({
      resources: handled,
      bytes: counter.bytes,
      totalBytes,
      errors: errorCount,
      perSecond: rate(),
    });
  const report = (src: SourceRecord, reason: string) => {
    const e: ImportError = {
      file: src.file,
      line: src.line,
      ...(src.entry !== undefined ? { entry: src.entry } : {}),
      reason,
      message: formatImportError({ ...src, reason }),
    };
    errorCount++;
    if (errors.length < maxKept) errors.push(e);
    opts.onError?.(e);
  };
  const typeOf = (t: string) => (types[t] ??= emptyType());

  const write = async (batch: SourceRecord[], results: CheckResult[]) => {
    const entries: WriteEntry<SourceRecord>[] = [];
    for (let i = 0; i < batch.length; i++) {
      const res = results[i];
      const type = res.type;
      if (type) typeOf(type).read++;
      if (res.ok) {
        const { type, id, resource, rows } = res;
        // The stored text is the input line itself with meta spliced in, when the checker found where.
        const json = res.metaAt !== undefined ? spliceMeta(batch[i].text!, res.metaAt) : res.json;
        entries.push({ item: { type, id, json, rows, ...(resource ? { resource } : {}) }, source: batch[i] });
      } else {
        if (type) typeOf(type).failed++;
        report(batch[i], res.reason);
      }
    }
    const out = await writeBatch(store, entries);
    for (const [type, c] of Object.entries(out.counts)) {
      const t = typeOf(type);
      t.created += c.created;
      t.updated += c.updated;
      t.unchanged += c.unchanged;
    }
    for (const f of out.failures) {
      typeOf(f.type).failed++;
      report(f.source, f.reason);
    }
    handled += batch.length;
    progress();
  };

  // Starting a worker costs a second or two (it loads the FHIR definitions); small inputs are faster inline.
  const workers = opts.workers ?? (totalBytes < SMALL_IMPORT_BYTES ? 0 : defaultWorkerCount());
  const checker: Checker = workers > 0 ? workerChecker(workers) : inlineChecker();
  // Enough batches in flight to keep every checker busy while others are written.
  const writers = Math.max(1, opts.writers ?? (store.db.dialect === 'postgres' ? DEFAULT_PG_WRITERS : 1));
  const maxInFlight = checker.parallelism + writers;
  const inFlight: Promise<void>[] = [];
  const slots = new Slots(writers);
  let pending: PendingWrite[] = [];
  let failure: unknown;

  const submit = async (batch: SourceRecord[]) => {
    const checked = checker.check(batch.map(({ text, resource, error }) => ({ text, resource, error })));
    checked.catch(() => undefined);
    // Batches are written concurrently, except that a batch sharing a resource
    // with an earlier one waits for it, so repeated ids keep their file order.
    const earlier = pending;
    const me: PendingWrite = { keys: checked.then(keysOf, () => new Set<string>()), done: Promise.resolve() };
    me.done = (async () => {
      const results = await checked;
      const mine = await me.keys;
      for (const e of earlier) {
        const theirs = await e.keys;
        if (overlaps(theirs, mine)) await e.done.catch(() => undefined);
      }
      await slots.run(async () => {
        // After a cancel, batches not yet written are dropped rather than committed.
        if (!opts.signal?.aborted && failure === undefined) await write(batch, results);
      });
    })();
    pending = [...earlier, me];
    const done = me.done.catch((err) => {
      failure ??= err;
    });
    done.then(() => {
      pending = pending.filter((p) => p !== me);
    });
    inFlight.push(done);
    while (inFlight.length > maxInFlight) await inFlight.shift();
  };

  let cancelled = false;
  try {
    let batch: SourceRecord[] = [];
    let batchBytes = 0;
    outer: for (const input of inputs) {
      for await (const rec of readRecords(input, counter)) {
        if (opts.signal?.aborted || failure !== undefined) {
          cancelled = !!opts.signal?.aborted;
          break outer;
        }
        batch.push(rec);
        batchBytes += rec.text?.length ?? 0;
        if (batch.length >= batchSize || batchBytes >= MAX_BATCH_TEXT) {
          await submit(batch);
          batch = [];
          batchBytes = 0;
        }
      }
    }
    if (!cancelled && failure === undefined && batch.length > 0) await submit(batch);
    await Promise.all(inFlight);
    cancelled ||= !!opts.signal?.aborted;
  } finally {
    await Promise.allSettled(inFlight);
    await checker.close();
  }
  if (failure !== undefined) throw failure;
  progress();

  const totals = emptyType();
  for (const t of Object.values(types)) {
    totals.read += t.read;
    totals.created += t.created;
    totals.updated += t.updated;
    totals.unchanged += t.unchanged;
    totals.failed += t.failed;
  }
  if (totals.created + totals.updated >= ANALYZE_AFTER) await analyzeStore(store);
  const sorted = Object.fromEntries(
    Object.entries(types).sort(([a, x], [b, y]) => y.read - x.read || (a < b ? -1 : 1)),
  );
  return {
    types: sorted,
    totals,
    errorCount,
    errors,
    files: inputs.length,
    bytes: counter.bytes,
    elapsedMs: Math.round(now() - started),
    perSecond: rate(),
    cancelled,
  };
}
