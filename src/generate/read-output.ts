import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource } from './fhir.ts';

/** Reads a generator output directory back into memory, keyed by resource type (for tests and small N). */
export async function readOutput(dir: string): Promise<Map<string, Resource[]>> {
  const byType = new Map<string, Resource[]>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ndjson')).sort()) {
    const text = await readFile(join(dir, file), 'utf8');
    const resources = text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Resource);
    byType.set(file.slice(0, -'.ndjson'.length), resources);
  }
  return byType;
}
