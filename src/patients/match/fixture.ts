/** A SourceRecord for tests: sensible empty defaults, override what the case is about. */
import type { SourceRecord } from '../model.ts';

let counter = 0;

export function sourceRecord(overrides: Partial<SourceRecord> = {}): SourceRecord {
  counter++;
  return {
    source: 'ehr',
    externalId: `r${counter}`,
    updatedAt: '2025-01-01T00:00:00Z',
    identifiers: [],
    given: [],
    emails: [],
    phones: [],
    addresses: [],
    ...overrides,
  };
}
