import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FhirStore } from '../store.ts';
import { downloadInput } from './fetch-input.ts';
import { formatImportError, type ImportProgress, type ImportSummary, importPaths } from './import-paths.ts';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ImportJobInput {
  /** Resource type the client declared (informational; each line says its own type). */
  type?: string;
  /** file:///absolute/path or http(s)://… */
  url: string;
  /** How errors name this input (the temp file of an uploaded body is "request body"). */
  label?: string;
}

export interface ImportJobRequest {
  /** The kick-off URL, echoed as `request` in the result. */
  kickoff: string;
  inputFormat: string;
  inputs: ImportJobInput[];
  /** Temp files the job owns (uploaded bodies); removed when it ends. */
  temp: string[];
}

export interface ImportJob {
  id: string;
  status: JobStatus;
  createdAt: string;
  updatedAt: string;
  request: ImportJobRequest;
  progress: Partial<ImportProgress>;
  outcome: any;
}

interface JobRow {
  id: string;
  status: JobStatus;
  created_at: Date | string;
  updated_at: Date | string;
  request: ImportJobRequest;
  progress: Partial<ImportProgress>;
  outcome: any;
}

const toJob = (r: JobRow): ImportJob => ({
  id: r.id,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
  request: r.request,
  progress: r.progress ?? {},
  outcome: r.outcome,
});

const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Errors listed in a job's outcome; the rest are counted. */
export const MAX_LISTED_ERRORS = 1000;

export interface ImportJobOptions {
  /** Validation workers per job (see importPaths); default cores − 1. */
  workers?: number;
  /** Least time between progress writes to the job row (default 500 ms). */
  progressIntervalMs?: number;
  /** Monotonic milliseconds, for throttling and rates. */
  now?: () => number;
}

/**
 * The $import queue of one server process. Jobs live in fhir_import_job, so
 * a job queued while another runs waits its turn even across a restart; they
 * run one at a time, oldest first, in the background. A job found 'running'
 * at start-up was cut short by a crash and is marked failed; one interrupted
 * by a graceful shutdown goes back to the queue (import is idempotent, so
 * running it again from the start is safe).
 */
export class ImportJobRunner {
  readonly #store: FhirStore;
  readonly #opts: ImportJobOptions;
  #loop: Promise<void> | undefined;
  #again = false;
  #closing = false;
  #current: { id: string; controller: AbortController } | undefined;
  readonly #waiters = new Map<string, ((job: ImportJob) => void)[]>();

  constructor(store: FhirStore, opts: ImportJobOptions = {}) {
    this.#store = store;
    this.#opts = opts;
  }

  async start(): Promise<void> {
    const now = this.#store.clock.now().toISOString();
    await this.#store.db.query(
      `UPDATE fhir_import_job SET status = 'failed', updated_at = $1, outcome = $2 WHERE status = 'running'`,
      [
        now,
        failureOutcome(
          'the server stopped while this import was running (crash or kill); resources committed before that are stored — submit the import again to finish it (re-importing is safe: unchanged resources are skipped)',
        ),
      ],
    );
    this.#kick();
  }

  async submit(request: ImportJobRequest): Promise<ImportJob> {
    const id = randomUUID();
    const now = this.#store.clock.now().toISOString();
    const [row] = await this.#store.db.query<JobRow>(
      `INSERT INTO fhir_import_job (id, status, created_at, updated_at, request, progress)
       VALUES ($1, 'queued', $2, $2, $3, '{}') RETURNING *`,
      [id, now, JSON.stringify(request)],
    );
    this.#kick();
    return toJob(row);
  }

  async get(id: string): Promise<ImportJob | undefined> {
    if (!UUID_RE.test(id)) return undefined;
    const [row] = await this.#store.db.query<JobRow>('SELECT * FROM fhir_import_job WHERE id = $1', [id]);
    return row ? toJob(row) : undefined;
  }

  /** The newest jobs first. */
  async list(limit: number): Promise<ImportJob[]> {
    const rows = await this.#store.db.query<JobRow>(
      'SELECT * FROM fhir_import_job ORDER BY seq DESC LIMIT $1',
      [limit],
    );
    return rows.map(toJob);
  }

  /** How many queued jobs run before this one. */
  async position(job: ImportJob): Promise<number> {
    const [row] = await this.#store.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fhir_import_job
       WHERE status IN ('queued', 'running') AND seq < (SELECT seq FROM fhir_import_job WHERE id = $1)`,
      [job.id],
    );
    return row?.n ?? 0;
  }

  /** Cancels a queued job at once, or asks the running one to stop after the batch it is writing. */
  async cancel(id: string): Promise<ImportJob | undefined> {
    const job = await this.get(id);
    if (!job || TERMINAL.includes(job.status)) return job;
    if (this.#current?.id === id) {
      this.#current.controller.abort();
      return job;
    }
    const [row] = await this.#store.db.query<JobRow>(
      `UPDATE fhir_import_job SET status = 'cancelled', updated_at = $2, outcome = $3
       WHERE id = $1 AND status = 'queued' RETURNING *`,
      [
        id,
        this.#store.clock.now().toISOString(),
        failureOutcome('cancelled before it started', 'information'),
      ],
    );
    if (row) {
      await rmAll(row.request.temp);
      this.#settle(toJob(row));
      return toJob(row);
    }
    return this.get(id);
  }

  /** Resolves when the job has completed, failed or been cancelled. */
  async finished(id: string): Promise<ImportJob> {
    const job = await this.get(id);
    if (!job) throw new Error(`no import job ${id}`);
    if (TERMINAL.includes(job.status)) return job;
    const done = new Promise<ImportJob>((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
    // It may have finished between the read and the registration.
    const again = await this.get(id);
    if (again && TERMINAL.includes(again.status)) this.#settle(again);
    return done;
  }

  /** Stops taking jobs, interrupts the running one after its current batch and puts it back in the queue. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#current?.controller.abort();
    await this.#loop;
  }

  #settle(job: ImportJob): void {
    const list = this.#waiters.get(job.id);
    if (!list) return;
    this.#waiters.delete(job.id);
    for (const resolve of list) resolve(job);
  }

  #kick(): void {
    if (this.#closing) return;
    if (this.#loop) {
      this.#again = true;
      return;
    }
    this.#loop = (async () => {
      try {
        do {
          this.#again = false;
          while (!this.#closing) {
            const job = await this.#claim();
            if (!job) break;
            await this.#run(job);
          }
        } while (this.#again && !this.#closing);
      } finally {
        this.#loop = undefined;
      }
    })().catch((err) => {
      // The queue itself failing (database gone) must not take the server down; the next submit retries.
      process.emitWarning(`import queue stopped: ${(err as Error).message}`);
    });
  }

  async #claim(): Promise<ImportJob | undefined> {
    const [row] = await this.#store.db.query<JobRow>(
      `UPDATE fhir_import_job SET status = 'running', updated_at = $1
       WHERE id = (SELECT id FROM fhir_import_job WHERE status = 'queued' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.#store.clock.now().toISOString()],
    );
    return row ? toJob(row) : undefined;
  }

  async #run(job: ImportJob): Promise<void> {
    const controller = new AbortController();
    this.#current = { id: job.id, controller };
    const downloads: string[] = [];
    const labels = new Map<string, string>();
    const clock = this.#store.clock;
    const now = this.#opts.now ?? (() => performance.now());
    const interval = this.#opts.progressIntervalMs ?? 500;
    let lastWrite = Number.NEGATIVE_INFINITY;
    let progressWrite: Promise<unknown> = Promise.resolve();
    let requeued = false;
    let final: { status: JobStatus; outcome: unknown; progress?: ImportProgress };
    try {
      const paths: string[] = [];
      for (const input of job.request.inputs) {
        const url = new URL(input.url);
        let file: string;
        if (url.protocol === 'file:') file = fileURLToPath(url);
        else {
          file = await downloadInput(input.url, controller.signal);
          downloads.push(file);
        }
        labels.set(file, input.label ?? (url.protocol === 'file:' ? file : input.url));
        paths.push(file);
      }
      let last: ImportProgress | undefined;
      const summary = await importPaths(this.#store, paths, {
        workers: this.#opts.workers,
        signal: controller.signal,
        maxErrorsKept: MAX_LISTED_ERRORS,
        now,
        onProgress: (p) => {
          last = p;
          if (now() - lastWrite < interval) return;
          lastWrite = now();
          progressWrite = progressWrite.then(() =>
            this.#store.db
              .query('UPDATE fhir_import_job SET progress = $2, updated_at = $3 WHERE id = $1', [
                job.id,
                JSON.stringify(p),
                clock.now().toISOString(),
              ])
              .catch(() => undefined),
          );
        },
      });
      if (summary.cancelled && this.#closing) {
        requeued = true;
        final = { status: 'queued', outcome: null };
      } else {
        const body = resultBody(job, summary, clock.now().toISOString(), labels);
        final = { status: summary.cancelled ? 'cancelled' : 'completed', outcome: body, progress: last };
      }
    } catch (err) {
      final = { status: 'failed', outcome: failureOutcome(`import failed: ${(err as Error).message}`) };
    } finally {
      this.#current = undefined;
      await rmAll(downloads);
    }
    await progressWrite;
    const [row] = await this.#store.db.query<JobRow>(
      `UPDATE fhir_import_job SET status = $2, updated_at = $3, outcome = $4, progress = CASE WHEN $2 = 'queued' THEN '{}'::jsonb ELSE coalesce($5::jsonb, progress) END
       WHERE id = $1 RETURNING *`,
      [
        job.id,
        final.status,
        clock.now().toISOString(),
        final.outcome === null ? null : JSON.stringify(final.outcome),
        final.progress ? JSON.stringify(final.progress) : null,
      ],
    );
    if (!requeued) {
      await rmAll(job.request.temp);
      if (row) this.#settle(toJob(row));
    }
  }
}

/** The completed job as the status endpoint returns it (Bulk Data style, errors inline). */
function resultBody(job: ImportJob, s: ImportSummary, transactionTime: string, labels: Map<string, string>) {
  const relabel = (file: string) => {
    const exact = labels.get(file);
    if (exact !== undefined) return exact;
    for (const [root, label] of labels)
      if (file.startsWith(`${root}/`)) return label + file.slice(root.length);
    return file;
  };
  const errors = s.errors.map((e) => {
    const file = relabel(e.file);
    return { ...e, file, message: formatImportError({ ...e, file }) };
  });
  const issues: { severity: string; code: string; diagnostics: string; expression?: string[] }[] = errors.map(
    (e) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: e.message,
    }),
  );
  if (s.errorCount > errors.length) {
    issues.push({
      severity: 'information',
      code: 'too-costly',
      diagnostics: `${s.errorCount - errors.length} more errors are not listed (only the first ${errors.length} are kept); fix these and import again`,
    });
  }
  return {
    transactionTime,
    request: job.request.kickoff,
    requiresAccessToken: false,
    output: Object.entries(s.types).map(([type, t]) => ({
      type,
      count: t.created + t.updated + t.unchanged,
      ...t,
    })),
    error:
      s.errorCount > 0
        ? [
            {
              type: 'OperationOutcome',
              count: s.errorCount,
              outcome: { resourceType: 'OperationOutcome', issue: issues },
            },
          ]
        : [],
    summary: { ...s, errors },
  };
}

function failureOutcome(text: string, severity: 'error' | 'information' = 'error') {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code: severity === 'error' ? 'exception' : 'informational', diagnostics: text }],
  };
}

async function rmAll(files: readonly string[] | undefined): Promise<void> {
  await Promise.all((files ?? []).map((f) => rm(f, { force: true })));
}
