import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../match/rules.ts';
import type { SourceRecord } from '../model.ts';
import { actionMatch, explainAfterSplit, type PlacedBy } from './explain.ts';

const rec = (id: string, over: Partial<SourceRecord>) => ({
  id,
  data: {
    source: 'crm',
    externalId: id,
    updatedAt: '2026-01-01T00:00:00Z',
    identifiers: [],
    given: ['Nora'],
    family: 'Berg',
    birthDate: '1970-01-01',
    emails: [],
    phones: [],
    addresses: [],
    ...over,
  } satisfies SourceRecord,
});

const BY: PlacedBy = {
  action: 'split',
  actor: 'anna@vc.se',
  reason: 'A2 is another Nora Berg',
  at: '2026-06-01T10:00:00.000Z',
  otherProfiles: ['p-2'],
};

describe('explaining records again after a split', () => {
  const a1 = rec('a1', {
    phones: ['+46701111111'],
    addresses: [{ lines: ['Storgatan 1'], postalCode: '11432' }],
  });
  const a3 = rec('a3', {
    phones: ['+46702222222'],
    addresses: [{ lines: ['Storgatan 1'], postalCode: '11432' }],
  });
  const a4 = rec('a4', { given: ['Greta'], birthDate: '1950-05-05' });

  it('takes the strongest rule to a record of its own side, saying the split placed it', () => {
    const out = explainAfterSplit([a1, a3], ['a3'], DEFAULT_RULES, BY, null);
    expect(out.get('a3')).toMatchObject({
      rule: 'fuzzy-name',
      via: 'a1',
      explanation: {
        kind: 'fuzzy-name',
        fields: expect.arrayContaining([expect.objectContaining({ field: 'postalCode' })]),
      },
      placedBy: BY,
    });
  });

  it('says a record no rule ties to its side stays where the person splitting left it', () => {
    const out = explainAfterSplit([a1, a4], ['a4'], DEFAULT_RULES, BY, null);
    expect(out.get('a4')).toEqual(actionMatch('a1', BY));
    expect(out.get('a4')).toMatchObject({
      rule: 'split',
      explanation: { kind: 'split', score: 1, threshold: 1, fields: [] },
      placedBy: { actor: 'anna@vc.se', reason: 'A2 is another Nora Berg' },
    });
  });

  it('lets the split-off profile start from its founder and explains the rest from it', () => {
    const out = explainAfterSplit([a1, a3], ['a1', 'a3'], DEFAULT_RULES, BY, 'a1');
    expect(out.get('a1')).toBeNull();
    expect(out.get('a3')).toMatchObject({ via: 'a1', rule: 'fuzzy-name' });
  });
});
