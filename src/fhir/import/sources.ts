import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { bundleEntries, IMPORTABLE_BUNDLE_TYPES } from './bundle-entries.ts';

export type InputKind = 'json' | 'ndjson' | 'ndjson.gz';

export interface InputFile {
  path: string;
  kind: InputKind;
  size: number;
}

/** One resource to import as found in a file, before validation. */
export interface SourceRecord {
  file: string;
  /** NDJSON: the 1-based line. Bundles: the 1-based entry position. Single resources: 1. 0 = the file as a whole. */
  line: number;
  /** Bundles: 0-based position in Bundle.entry (FHIRPath numbering), for messages. */
  entry?: number;
  /** An NDJSON line, parsed by the checker so the parsing happens off the main thread. */
  text?: string;
  /** Already parsed (bundle entries, single-resource files). */
  resource?: unknown;
  /** Known to be unimportable before validation. */
  error?: string;
}

/** JSON files are parsed whole; past this size only NDJSON (streamed) is accepted. */
export const MAX_JSON_FILE_BYTES = 256 * 1024 * 1024;

export function inputKind(file: string): InputKind | undefined {
  const f = file.toLowerCase();
  if (f.endsWith('.ndjson.gz')) return 'ndjson.gz';
  if (f.endsWith('.ndjson')) return 'ndjson';
  if (f.endsWith('.json')) return 'json';
  return undefined;
}

/**
 * The files to import, in a stable order: named files as given, folders
 * searched recursively for *.json, *.ndjson and *.ndjson.gz (other files in a
 * folder are skipped). A missing path or a named file of another kind is an
 * error before anything is imported.
 */
export async function listInputs(paths: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const seen = new Set<string>();
  const add = (p: string, size: number, kind: InputKind) => {
    const abs = path.resolve(p);
    if (seen.has(abs)) return;
    seen.add(abs);
    out.push({ path: p, kind, size });
  };
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const d of names) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile()) {
        const kind = inputKind(d.name);
        if (kind) add(p, (await stat(p)).size, kind);
      }
    }
  };
  for (const p of paths) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch {
      throw new Error(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) await walk(p);
    else {
      const kind = inputKind(p);
      if (!kind)
        throw new Error(
          `${p}: not an import file; expected FHIR JSON (*.json) or Bulk Data NDJSON (*.ndjson, *.ndjson.gz)`,
        );
      add(p, st.size, kind);
    }
  }
  return out;
}

/** Counts bytes as they are read from disk (compressed bytes for .gz), for progress. */
export interface ByteCounter {
  bytes: number;
}

export function readRecords(input: InputFile, counter: ByteCounter): AsyncGenerator<SourceRecord> {
  return input.kind === 'json' ? readJsonFile(input, counter) : readNdjson(input, counter);
}

async function* readNdjson(input: InputFile, counter: ByteCounter): AsyncGenerator<SourceRecord> {
  const raw = createReadStream(input.path);
  raw.on('data', (chunk) => {
    counter.bytes += chunk.length;
  });
  let text: Readable = raw;
  if (input.kind === 'ndjson.gz') {
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    text = raw.pipe(gunzip);
  }
  // readline's async iterator pauses the stream when the consumer falls behind, so memory stays bounded.
  const lines = createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const l of lines) {
      line++;
      if (line === 1 && l.charCodeAt(0) === 0xfeff) {
        if (l.length > 1) yield { file: input.path, line, text: l.slice(1) };
        continue;
      }
      if (l.trim() === '') continue;
      yield { file: input.path, line, text: l };
    }
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code?.startsWith('Z_')
      ? `the gzip data is damaged after line ${line} (${(err as Error).message}); the lines before it were imported`
      : `reading stopped after line ${line}: ${(err as Error).message}`;
    yield { file: input.path, line: 0, error: why };
  } finally {
    lines.close();
    raw.destroy();
  }
}

async function* readJsonFile(input: InputFile, counter: ByteCounter): AsyncGenerator<SourceRecord> {
  const file = input.path;
  if (input.size > MAX_JSON_FILE_BYTES) {
    counter.bytes += input.size;
    yield {
      file,
      line: 0,
      error: `${mb(input.size)} is too large to read as one JSON document (limit ${mb(MAX_JSON_FILE_BYTES)}); export it as FHIR Bulk Data NDJSON (*.ndjson, one resource per line), which is streamed`,
    };
    return;
  }
  let json: unknown;
  try {
    const text = await readFile(file, 'utf8');
    counter.bytes += input.size;
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    yield { file, line: 0, error: `malformed JSON: ${(err as Error).message}` };
    return;
  }
  const obj = json as Record<string, unknown>;
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && obj.resourceType === 'Bundle') {
    const type = obj.type;
    if ((IMPORTABLE_BUNDLE_TYPES as readonly unknown[]).includes(type)) {
      for (const e of bundleEntries(obj)) {
        yield {
          file,
          line: e.entry + 1,
          entry: e.entry,
          ...(e.error ? { error: e.error } : { resource: e.resource }),
        };
      }
      return;
    }
    if (type === 'history') {
      yield {
        file,
        line: 0,
        error:
          'a history Bundle holds past versions, not resources to store; import a transaction, batch, collection or searchset Bundle or NDJSON instead',
      };
      return;
    }
  }
  // Anything else is one resource (including document and message Bundles, which are stored as they are).
  yield { file, line: 1, resource: json };
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
