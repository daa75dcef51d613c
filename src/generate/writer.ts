import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from './fhir.ts';

/** Lines are batched per file before write(), since one write() per resource dominates run time. */
const CHUNK_CHARS = 256 * 1024;
/** Room for a few chunks per file, so disk writes overlap generation instead of stalling it. */
const HIGH_WATER_MARK = 1024 * 1024;

interface Sink {
  stream: WriteStream;
  pending: string[];
  chars: number;
  count: number;
}

/** FHIR Bulk Data NDJSON: one file per resource type, one resource per line. */
export class NdjsonWriter {
  private readonly sinks = new Map<string, Sink>();
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Buffers one resource. Returns a promise only when a chunk went to a full file stream;
   * the caller must await it ('drain') before writing more. Not allocating a promise per
   * resource keeps the hot path cheap.
   */
  write(resource: Resource): Promise<void> | undefined {
    let sink = this.sinks.get(resource.resourceType);
    if (!sink) {
      sink = {
        stream: createWriteStream(join(this.dir, `${resource.resourceType}.ndjson`), {
          highWaterMark: HIGH_WATER_MARK,
        }),
        pending: [],
        chars: 0,
        count: 0,
      };
      this.sinks.set(resource.resourceType, sink);
    }
    const line = JSON.stringify(resource);
    sink.pending.push(line);
    sink.chars += line.length + 1;
    sink.count++;
    return sink.chars >= CHUNK_CHARS ? this.flush(sink) : undefined;
  }

  private async flush(sink: Sink): Promise<void> {
    if (sink.pending.length === 0) return;
    const text = sink.pending.join('\n') + '\n';
    sink.pending = [];
    sink.chars = 0;
    if (!sink.stream.write(text)) await once(sink.stream, 'drain');
  }

  /** Flushes and closes every file; returns resource counts per type and the file paths. */
  async close(): Promise<{ resources: Record<string, number>; files: string[] }> {
    const resources: Record<string, number> = {};
    const files: string[] = [];
    for (const [type, sink] of [...this.sinks].sort(([a], [b]) => a.localeCompare(b))) {
      await this.flush(sink);
      const finished = once(sink.stream, 'finish');
      sink.stream.end();
      await finished;
      resources[type] = sink.count;
      files.push(sink.stream.path.toString());
    }
    return { resources, files };
  }

  /** Closes the files without waiting, after a failure. */
  destroy(): void {
    for (const sink of this.sinks.values()) sink.stream.destroy();
  }
}
