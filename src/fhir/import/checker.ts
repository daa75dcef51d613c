import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CheckInput, type CheckResult, checkRecords } from './check.ts';

/** Runs the parse-validate-index step on a batch, in this thread or in a pool of workers. */
export interface Checker {
  check(inputs: CheckInput[]): Promise<CheckResult[]>;
  /** How many batches it can work on at once (the importer keeps that many in flight). */
  readonly parallelism: number;
  close(): Promise<void>;
}

/** One worker per core but one: the main thread reads files and writes to the database meanwhile. */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/** In-process checking, for small imports and tests: no worker start-up cost. */
export function inlineChecker(): Checker {
  return {
    parallelism: 1,
    async check(inputs) {
      // Give pending database I/O a turn before a long synchronous stretch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return checkRecords(inputs);
    },
    async close() {},
  };
}

const WORKER_HEAP_MB = 512;

interface Task {
  id: number;
  inputs: CheckInput[];
  resolve(results: CheckResult[]): void;
  reject(err: Error): void;
}

/**
 * A fixed pool of worker threads, each holding the FHIR definitions in memory.
 * Batches queue in submission order; each worker takes the next one when free.
 */
export function workerChecker(size: number): Checker {
  const workers: { worker: Worker; task?: Task }[] = [];
  const queue: Task[] = [];
  let nextId = 1;
  let failure: Error | undefined;
  let closing = false;

  const dispatch = () => {
    for (const w of workers) {
      if (w.task || queue.length === 0) continue;
      const task = queue.shift()!;
      w.task = task;
      w.worker.postMessage({ id: task.id, inputs: task.inputs });
    }
  };
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of workers) {
      w.task?.reject(failure);
      w.task = undefined;
    }
    for (const t of queue.splice(0)) t.reject(failure);
  };

  for (let i = 0; i < size; i++) {
    // A heap cap makes V8 collect early instead of growing towards the machine's memory: the
    // definitions take ~160 MB, a batch in flight a few tens; without it, peak RSS of a
    // 100k-resource import went past 1 GiB.
    const worker = new Worker(new URL('./validate-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    const slot: { worker: Worker; task?: Task } = { worker };
    worker.on('message', (msg: { id: number; results?: CheckResult[]; error?: string }) => {
      const task = slot.task;
      slot.task = undefined;
      if (task && task.id === msg.id) {
        if (msg.results) task.resolve(msg.results);
        else task.reject(new Error(`validation worker failed: ${msg.error}`));
      }
      dispatch();
    });
    worker.on('error', (err) => fail(new Error(`validation worker crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!closing) fail(new Error(`validation worker exited unexpectedly (code ${code})`));
    });
    workers.push(slot);
  }

  return {
    parallelism: size,
    check(inputs) {
      if (failure) return Promise.reject(failure);
      return new Promise<CheckResult[]>((resolve, reject) => {
        queue.push({ id: nextId++, inputs, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
