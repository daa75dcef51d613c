import { metaSpliceOffset, prepareStoredJson } from '../bulk-write.ts';
import { isResourceType } from '../definitions.ts';
import { extractIndex } from '../index-extract.ts';
import { type PreparedRows, prepareRows } from '../index-write.ts';
import type { FhirResource } from '../resource-row.ts';
import { validateResource } from '../validate.ts';
import { uuidV5 } from './bundle-entries.ts';

/** What the checker needs of a source record (the rest stays on the main thread). */
export interface CheckInput {
  text?: string;
  resource?: unknown;
  error?: string;
}

export type CheckResult =
  /**
   * `json` is the text to store (prepareStoredJson). A worker drops `resource`
   * before replying: copying the object graph back costs more than the
   * validation saved, strings cross threads cheaply.
   */
  | {
      ok: true;
      type: string;
      id: string;
      /** The stored text, unless it is the input line with the meta slots spliced in at `metaAt`. */
      json?: string;
      metaAt?: number;
      resource?: FhirResource;
      rows: PreparedRows;
    }
  /** type is set when the resource named a real resource type, so the failure counts against it. */
  | { ok: false; type?: string; reason: string };

// Namespace of ids derived from content (resources that arrive without an id).
const CONTENT_NAMESPACE = Buffer.from('1b671a64406843c6b3b2a6d2c8a9f3e1', 'hex');

/**
 * Parses, validates and indexes one record: the CPU-heavy part of an import,
 * run in worker threads for large imports. A resource without an id gets one
 * derived from its content, so importing the same file twice still finds it.
 */
export function checkRecord(input: CheckInput): CheckResult {
  if (input.error !== undefined) return { ok: false, reason: input.error };
  let resource = input.resource;
  if (input.text !== undefined) {
    try {
      resource = JSON.parse(input.text);
    } catch (err) {
      return {
        ok: false,
        reason: `malformed JSON: ${(err as Error).message}; each line must be one complete JSON resource`,
      };
    }
  }
  const issues = validateResource(resource).filter((i) => i.severity === 'error');
  const obj = resource as Record<string, unknown>;
  const type =
    obj !== null &&
    typeof obj === 'object' &&
    typeof obj.resourceType === 'string' &&
    isResourceType(obj.resourceType)
      ? obj.resourceType
      : undefined;
  if (issues.length > 0) {
    const reason = issues
      .map((i) =>
        i.expression && !i.diagnostics.includes(i.expression)
          ? `${i.expression}: ${i.diagnostics}`
          : i.diagnostics,
      )
      .join('; ');
    return { ok: false, type, reason };
  }
  const r = obj as FhirResource;
  let metaAt: number | undefined;
  if (r.id === undefined) r.id = uuidV5(input.text ?? JSON.stringify(r), CONTENT_NAMESPACE);
  else if (input.text !== undefined) metaAt = metaSpliceOffset(input.text, r);
  try {
    const rows = prepareRows(r.resourceType, r.id!, extractIndex(r));
    return metaAt !== undefined
      ? { ok: true, type: r.resourceType, id: r.id!, metaAt, resource: r, rows }
      : { ok: true, type: r.resourceType, id: r.id!, json: prepareStoredJson(r), resource: r, rows };
  } catch (err) {
    return { ok: false, type, reason: `could not index for search: ${(err as Error).message}` };
  }
}

export function checkRecords(inputs: readonly CheckInput[]): CheckResult[] {
  return inputs.map(checkRecord);
}
