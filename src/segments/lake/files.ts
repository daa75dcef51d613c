import fs from 'node:fs/promises';
import path from 'node:path';
import { CLINICAL_TYPES } from '../definition.ts';

/**
 * The files of a lake folder that lake mode reads: named by resource type,
 * as FHIR Bulk Data writes them (Observation.ndjson), optionally split
 * (Observation.000.ndjson, Observation-2.ndjson), gzipped (.ndjson.gz), or
 * Parquet (Observation.parquet). Types the segment index does not use
 * (Claim, Organization…) are left alone; AppointmentResponse is not an
 * Appointment file.
 */
export interface LakeFile {
  type: string;
  path: string;
  format: 'ndjson' | 'parquet';
  bytes: number;
}

export class LakeError extends Error {}

const TYPES = ['Patient', ...CLINICAL_TYPES];
const NAME = new RegExp(`^(${TYPES.join('|')})(?:[._-][^/]*)?\\.(ndjson|ndjson\\.gz|parquet)$`);

export async function lakeFiles(dir: string): Promise<LakeFile[]> {
  const abs = path.resolve(dir);
  let names: string[];
  try {
    const st = await fs.stat(abs);
    if (!st.isDirectory())
      throw new LakeError(`lake ${abs} is a file; give the folder that holds the NDJSON or Parquet files`);
    names = await fs.readdir(abs);
  } catch (e) {
    if (e instanceof LakeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LakeError(`lake folder ${abs} does not exist`);
    throw new LakeError(`lake folder ${abs} cannot be read: ${(e as Error).message}`);
  }
  const files: LakeFile[] = [];
  for (const name of names.sort()) {
    const m = NAME.exec(name);
    if (!m) continue;
    const p = path.join(abs, name);
    const st = await fs.stat(p);
    if (!st.isFile()) continue;
    files.push({ type: m[1], path: p, format: m[2] === 'parquet' ? 'parquet' : 'ndjson', bytes: st.size });
  }
  const expected = `files named by resource type: Patient.ndjson, Observation.ndjson (or .ndjson.gz, .parquet, Observation.000.ndjson…)`;
  if (files.length === 0)
    throw new LakeError(
      `lake folder ${abs} has no NDJSON or Parquet files of the types segments read; lake mode reads ${expected}`,
    );
  if (!files.some((f) => f.type === 'Patient'))
    throw new LakeError(
      `lake folder ${abs} has no Patient file; segments need the patients (Patient.ndjson) besides ${[...new Set(files.map((f) => f.type))].join(', ')}`,
    );
  return files;
}
