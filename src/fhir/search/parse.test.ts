import { describe, expect, it } from 'vitest';
import { FhirError } from '../outcome.ts';
import { parseSearch, splitPrefix, splitValues } from './parse.ts';

const parse = (type: string, q: string, lenient = false) =>
  parseSearch(type, new URLSearchParams(q).entries(), lenient);

describe('search parsing', () => {
  it('splits OR values and escaped commas', () => {
    expect(splitValues('a,b\\,c')).toEqual(['a', 'b,c']);
  });
  it('reads date prefixes', () => {
    expect(splitPrefix('ge2020-01-01')).toEqual({ prefix: 'ge', rest: '2020-01-01' });
    expect(splitPrefix('2020')).toEqual({ prefix: 'eq', rest: '2020' });
  });
  it('names unknown parameters and the supported ones', () => {
    try {
      parse('Patient', 'shoe-size=42');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(400);
      expect((err as FhirError).message).toMatch(
        /unknown search parameter 'shoe-size' for Patient; supported: .*birthdate/,
      );
    }
  });
  it('ignores unknown parameters with a warning when lenient', () => {
    const req = parse('Patient', 'shoe-size=42&family=Berg', true);
    expect(req.criteria.map((c) => c.name)).toEqual(['family']);
    expect(req.warnings[0].diagnostics).toMatch(/shoe-size/);
  });
  it('rejects malformed dates and numbers with the expected format', () => {
    expect(() => parse('Patient', 'birthdate=yesterday')).toThrow(/not a FHIR date; use YYYY/);
    expect(() => parse('Observation', 'value-quantity=gtx')).toThrow(/not a number/);
  });
  it('caps _count and parses _sort, _include, _revinclude', () => {
    const req = parse('Observation', '_count=5000&_sort=-date,_id&_include=Observation:patient');
    expect(req.count).toBe(1000);
    expect(req.sort.map((s) => [s.name, s.descending])).toEqual([
      ['date', true],
      ['_id', false],
    ]);
    expect(req.include[0].param.name).toBe('patient');
    expect(() => parse('Patient', '_revinclude=Observation:code')).toThrow(/reference search parameter/);
  });
});
