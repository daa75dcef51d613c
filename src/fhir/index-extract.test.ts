import { describe, expect, it } from 'vitest';
import { extractIndex } from './index-extract.ts';

describe('search index extraction', () => {
  const obs = {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '59261-8' }], text: 'HbA1c' },
    subject: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/e1' },
    effectiveDateTime: '2024-03-01',
    valueQuantity: { value: 48, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
  };

  it('keeps the compartment patient in patient_id and other references as tokens', () => {
    const index = extractIndex(obs);
    expect(index.patientId).toBe('p1');
    expect(index.tokens).toContain('encounter=Encounter/e1');
    expect(index.tokens).toContain('code|http://loinc.org|59261-8');
    expect(index.tokens).toContain('code=59261-8');
    // The patient is answered by patient_id; a token per resource would only grow the GIN index.
    expect(index.tokens.filter((t) => t.includes('Patient/p1'))).toEqual([]);
  });

  it('indexes a date with its precision as a range, and the quantity with system and code', () => {
    const index = extractIndex(obs);
    expect(index.dates).toEqual([{ param: 'date', lo: Date.UTC(2024, 2, 1), hi: Date.UTC(2024, 2, 2) - 1 }]);
    expect(index.quantities).toEqual([
      { param: 'value-quantity', value: 48, system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
    ]);
  });

  it('keeps a second patient of an appointment as a token', () => {
    const index = extractIndex({
      resourceType: 'Appointment',
      id: 'a1',
      status: 'booked',
      participant: [
        { actor: { reference: 'Patient/p1' }, status: 'accepted' },
        { actor: { reference: 'Patient/p2' }, status: 'accepted' },
      ],
    });
    expect(index.patientId).toBe('p1');
    expect(index.tokens).toContain('actor=Patient/p2');
    expect(index.tokens).not.toContain('actor=Patient/p1');
  });

  it('folds case and diacritics in strings (Åberg is found by aberg)', () => {
    const index = extractIndex({
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'Åberg', given: ['Zoë'] }],
    });
    expect(index.strings).toContainEqual({ param: 'family', value: 'aberg', raw: 'Åberg' });
    expect(index.strings).toContainEqual({ param: 'given', value: 'zoe', raw: 'Zoë' });
  });
});
