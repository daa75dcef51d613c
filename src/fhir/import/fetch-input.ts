import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** A temp file name for import input; the suffix tells the importer how to read it. */
export function tempInputPath(suffix: '.ndjson' | '.ndjson.gz' | '.json'): string {
  return path.join(os.tmpdir(), `outreach-import-${randomUUID()}${suffix}`);
}

/** Streams a body (request or download) to a temp file, never holding it in memory. */
export async function streamToTempFile(
  body: Readable,
  suffix: '.ndjson' | '.ndjson.gz' | '.json',
): Promise<string> {
  const file = tempInputPath(suffix);
  try {
    await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return file;
}

/**
 * Downloads an http(s) input to a temp file. Bulk Data inputs are NDJSON; a
 * URL ending in .gz is kept compressed (fetch itself undoes Content-Encoding).
 */
export async function downloadInput(url: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal,
      headers: { accept: 'application/fhir+ndjson, application/x-ndjson, */*' },
    });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new Error(
      `could not fetch ${url}: ${cause?.message ?? (err as Error).message}; check that the server can reach it`,
    );
  }
  if (!res.ok || !res.body) {
    throw new Error(
      `fetching ${url} answered ${res.status} ${res.statusText}; the input must be readable without further authorisation`,
    );
  }
  const gz = new URL(url).pathname.toLowerCase().endsWith('.gz');
  return streamToTempFile(Readable.fromWeb(res.body as WebReadableStream), gz ? '.ndjson.gz' : '.ndjson');
}
