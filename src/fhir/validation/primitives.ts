// Checks of FHIR primitive values, reproducing @medplum/core's validatePrimitiveType message for
// message: the JSON type, then the R4 format regexes (taken from medplum itself, so the accepted
// shapes cannot drift), calendar days, integer ranges and base64Binary.
import { fhirTypeToJsType, isValidCalendarDate, validationRegexes } from '@medplum/core';
import type { OperationOutcomeIssue } from './medplum-issues.ts';

const JS_TYPES = fhirTypeToJsType as Record<string, 'string' | 'number' | 'boolean'>;
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const BASE64_MAX_BYTES = 1024 * 1024;
const STRING_MAX_LENGTH = 1024 * 1024;

export function isPrimitiveCode(code: string): boolean {
  return code in JS_TYPES;
}

/**
 * What is wrong with a JSON string, number or boolean given for a primitive of FHIR type `code`,
 * in medplum's words ("Invalid JSON type: ..." when the JSON type itself is wrong); undefined if fine.
 */
export function primitiveProblem(value: unknown, code: string): string | undefined {
  const expected = JS_TYPES[code];
  if (typeof value !== expected) return `Invalid JSON type: expected ${expected}, but got ${typeof value}`;
  if (code === 'base64Binary') return base64Problem(value as string);
  if (expected === 'string') return stringProblem(value as string, code);
  if (expected === 'number') return numberProblem(value as number, code);
  return undefined;
}

function stringProblem(str: string, code: string): string | undefined {
  if (!str.trim()) return 'String must contain non-whitespace content';
  if (str.length > STRING_MAX_LENGTH) return 'String cannot be larger than 1 MB';
  const regex = validationRegexes[code];
  if (regex && !regex.exec(str)) return `Invalid ${code} format`;
  if ((code === 'date' || code === 'dateTime' || code === 'instant') && !isValidCalendarDate(str)) {
    return `Invalid ${code} value`;
  }
  return undefined;
}

function numberProblem(n: number, code: string): string | undefined {
  const integer = code === 'integer' || code === 'positiveInt' || code === 'unsignedInt';
  const min = code === 'positiveInt' ? 1 : code === 'unsignedInt' ? 0 : INT_MIN;
  if (Number.isNaN(n) || !Number.isFinite(n)) return 'Invalid numeric value';
  if (integer && !Number.isInteger(n)) return 'Expected number to be an integer';
  if (integer && (n < min || n > INT_MAX)) return `Expected number to be in the range ${min}..${INT_MAX}`;
  return undefined;
}

function base64Problem(str: string): string | undefined {
  if (!isValidBase64(str)) return 'Invalid base64Binary format';
  const padding = str.endsWith('==') ? 2 : str.endsWith('=') ? 1 : 0;
  const approxBytes = Math.max(0, Math.floor((str.length * 3) / 4) - padding);
  if (approxBytes > BASE64_MAX_BYTES) return `base64Binary exceeds ${BASE64_MAX_BYTES} bytes`;
  return undefined;
}

// Same rule as medplum: alphabet and padding, checked without a backtracking regex over the whole.
function isValidBase64(str: string): boolean {
  if (str.length === 0) return false;
  const padding = str.endsWith('==') ? 2 : str.endsWith('=') ? 1 : 0;
  if (str.length % 4 !== 0) return false;
  const data = padding > 0 ? str.slice(0, -padding) : str;
  return /^[A-Za-z\d+/]+$/.test(data);
}

export function structureIssue(path: string, text: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'structure', details: { text }, expression: [path] };
}
