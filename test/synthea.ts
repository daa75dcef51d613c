import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The shared corpus, beside the checkout (CI lays ../shared next to its clone). */
export const SYNTHEA_ARCHIVE = path.resolve(import.meta.dirname, '../../shared/data/synthea-r4-100.tar.gz');

/** Per-type resource counts of the corpus, from its README (entries of the 102 transaction bundles). */
export const SYNTHEA_COUNTS: Readonly<Record<string, number>> = {
  Observation: 16_315,
  Claim: 6_083,
  Encounter: 3_697,
  ExplanationOfBenefit: 3_697,
  MedicationRequest: 2_386,
  Procedure: 2_351,
  Immunization: 1_287,
  DiagnosticReport: 897,
  Condition: 639,
  Organization: 452,
  Practitioner: 452,
  CareTeam: 278,
  CarePlan: 278,
  Patient: 100,
  AllergyIntolerance: 38,
  ImagingStudy: 16,
  Device: 4,
};

/** Unpacks the corpus into a fresh temp folder (never into the repository); `dir` holds the 103 files. */
export function unpackSynthea(): { dir: string; cleanup(): void } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synthea-'));
  execFileSync('tar', ['xzf', SYNTHEA_ARCHIVE, '-C', tmp]);
  return {
    dir: path.join(tmp, 'synthea-r4-100'),
    cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }),
  };
}
