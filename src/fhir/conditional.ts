import { randomUUID } from 'node:crypto';
import { inTransaction } from '../db/client.ts';
import { FhirError } from './outcome.ts';
import type { FhirResource } from './resource-row.ts';
import { searchIds } from './search/execute.ts';
import { parseSearch } from './search/parse.ts';
import { assertType, assertValid, type FhirStore, type WriteResult } from './store.ts';

/** POST with If-None-Exist: creates only when no resource matches; one match is returned as is. */
export async function conditionalCreate(
  store: FhirStore,
  resource: unknown,
  ifNoneExist: string,
): Promise<WriteResult> {
  assertValid(resource);
  const type = resource.resourceType;
  const req = parseSearch(type, new URLSearchParams(ifNoneExist.replace(/^.*\?/, '')).entries());
  const result = await store.db.transaction(async (c) => {
    const found = await searchIds(inTransaction(c), req, 2);
    if (found.length > 1) {
      throw new FhirError(
        412,
        `If-None-Exist: ${ifNoneExist} matched ${found.length} ${type} resources; make the criteria identify one resource`,
        'multiple-matches',
      );
    }
    if (found.length === 1) {
      const { rows } = await c.query<{ content: FhirResource }>(
        'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = $2',
        [type, found[0]],
      );
      return { resource: rows[0].content, outcome: 'unchanged' as const };
    }
    return store.writeIn(c, { ...resource, id: randomUUID() }, { mode: 'create' });
  });
  if (result.outcome !== 'unchanged') store.feed.notify();
  return result;
}

/** PUT Type?criteria: updates the one match, creates when none, refuses when several. */
export async function conditionalUpdate(
  store: FhirStore,
  type: string,
  query: URLSearchParams,
  resource: unknown,
  ifMatch?: string,
): Promise<WriteResult> {
  assertType(type);
  assertValid(resource);
  if (resource.resourceType !== type) {
    throw new FhirError(
      400,
      `the body is a ${resource.resourceType} but the URL names ${type}`,
      'invalid',
      'resourceType',
    );
  }
  if ([...query.keys()].length === 0) {
    throw new FhirError(
      400,
      `PUT ${type} needs an id (PUT ${type}/ID) or search criteria (PUT ${type}?identifier=system|value)`,
      'invalid',
    );
  }
  const req = parseSearch(type, query.entries());
  const result = await store.db.transaction(async (c) => {
    const found = await searchIds(inTransaction(c), req, 2);
    if (found.length > 1) {
      throw new FhirError(
        412,
        `conditional update ${type}?${query} matched ${found.length} resources; make the criteria identify one resource`,
        'multiple-matches',
      );
    }
    const id = found[0] ?? resource.id ?? randomUUID();
    if (resource.id && resource.id !== id) {
      throw new FhirError(
        400,
        `the body's id ${resource.id} differs from the matched ${type}/${id}; remove the id or use ${id}`,
        'invalid',
        `${type}.id`,
      );
    }
    return store.writeIn(c, { ...resource, id }, { mode: 'update', ifMatch });
  });
  store.feed.notify();
  return result;
}
