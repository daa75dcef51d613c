import { mkdir } from 'node:fs/promises';
import { createPopulation } from './population.ts';
import { NdjsonWriter } from './writer.ts';

export { generatePatients, generateResources } from './population.ts';

export interface GenerateOptions {
  patients: number;
  seed: string | number;
  outDir: string;
  /** The "today" of the population; defaults to 2026-11-01T00:00:00Z. The wall clock is never read. */
  asOf?: Date;
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateSummary {
  patients: number;
  /** Resources written per resource type. */
  resources: Record<string, number>;
  /** Paths of the NDJSON files written, one per resource type. */
  files: string[];
}

const PROGRESS_EVERY = 1000;

/**
 * Writes a synthetic Swedish population as FHIR R4 Bulk Data NDJSON into outDir.
 * Patients are generated and written one at a time, so memory stays bounded at any N,
 * and the same seed and asOf always give byte-identical files.
 */
export async function generatePopulation(opts: GenerateOptions): Promise<GenerateSummary> {
  if (!Number.isInteger(opts.patients) || opts.patients < 0) {
    throw new RangeError(`patients must be a non-negative integer, got ${opts.patients}`);
  }
  await mkdir(opts.outDir, { recursive: true });
  const population = createPopulation(opts.seed, opts.asOf);
  const writer = new NdjsonWriter(opts.outDir);
  try {
    for (const r of population.reference.resources) await writer.write(r);
    for (let i = 0; i < opts.patients; i++) {
      for (const r of population.patient(i)) {
        const full = writer.write(r);
        if (full) await full;
      }
      if (opts.onProgress && ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === opts.patients))
        opts.onProgress(i + 1, opts.patients);
    }
    const { resources, files } = await writer.close();
    return { patients: opts.patients, resources, files };
  } catch (error) {
    writer.destroy();
    throw error;
  }
}

export { generateNoisyContacts, type NoisyContactsOptions, type NoisyContactsSummary } from './contacts.ts';
