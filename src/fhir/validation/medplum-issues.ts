// Converts @medplum/core validation issues into ours, rewriting its terse texts so that each
// message names the element, the problem and how to fix it.
import type { ValidationIssue } from '../validate.ts';

/** The fields of a FHIR OperationOutcome.issue that medplum's validator fills in. */
export interface OperationOutcomeIssue {
  severity: string;
  code: string;
  details?: { text?: string };
  diagnostics?: string;
  expression?: string[];
}

type Code = ValidationIssue['code'];

// Accepted shapes, quoted in "invalid format" messages so the sender knows what to send instead.
const FORMAT_HINTS: Record<string, string> = {
  date: 'YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm); a time needs a time zone',
  instant: 'YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm)',
  time: 'hh:mm:ss[.sss]',
  id: '1-64 characters of A-Z, a-z, 0-9, - and .',
  code: 'no leading/trailing or repeated whitespace',
  uuid: 'urn:uuid:<lower-case UUID>',
  oid: 'urn:oid:<dotted digits>',
};

export function convertMedplumIssue(issue: OperationOutcomeIssue, resource: unknown): ValidationIssue {
  const expression = concretePath(resource, issue.expression?.[0] ?? '');
  const text = issue.details?.text ?? issue.diagnostics ?? 'validation failed';
  const severity = issue.severity === 'error' || issue.severity === 'fatal' ? 'error' : 'warning';
  const [code, message] = rewrite(text, issue, expression, resource);
  return { severity, code, expression, diagnostics: expression ? `${expression}: ${message}` : message };
}

interface Context {
  issue: OperationOutcomeIssue;
  path: string;
  resource: unknown;
}

// medplum's texts (first match wins), each with the message we send back instead.
const RULES: [RegExp, (m: RegExpMatchArray, c: Context) => [Code, string]][] = [
  [/^Missing required property$/, () => ['required', 'required element is missing; add a value for it']],
  [
    /^Invalid additional property "(.+)"$/,
    (m) => [
      'structure',
      `unknown element '${m[1]}'; remove it or correct the name (element names are case-sensitive, ` +
        'choice elements need their type suffix such as valueQuantity, and extensions go in "extension")',
    ],
  ],
  [
    /^Invalid JSON type: expected (\w+), but got (\w+)$/,
    (m, c) => ['structure', `wrong JSON type: got ${m[2]} ${show(c)}, expected a JSON ${m[1]}`],
  ],
  [
    /^Expected array of values for property$/,
    () => ['structure', 'this element repeats, so its value must be a JSON array; wrap the value in [ ]'],
  ],
  [
    /^Expected single value for property$/,
    () => ['structure', 'this element does not repeat; send a single value instead of an array'],
  ],
  [
    /^Invalid number of values: expected (\S+), but found (\d+)$/,
    (m) => ['structure', `has ${m[2]} values but the allowed cardinality is ${m[1]}; add or remove values`],
  ],
  [
    /^Invalid empty( non-primitive)? value$/,
    () => ['structure', 'empty values ("", {}, []) are not allowed in FHIR JSON; omit the element instead'],
  ],
  [
    /^Invalid (null|undefined) value$/,
    () => [
      'structure',
      'null is not allowed in FHIR JSON; omit the element (or use "_element" for extensions)',
    ],
  ],
  [
    /^Invalid (?!JSON)(\w+) (format|value)$/,
    (m, c) => {
      const hint = FORMAT_HINTS[m[1]];
      return ['value', `${show(c)} is not a valid FHIR ${m[1]}${hint ? ` (expected ${hint})` : ''}`];
    },
  ],
  [
    /^Constraint /,
    (m, c) => {
      const fhirpath = parseDiagnostics(c.issue.diagnostics).fhirpath;
      const text = m.input ?? '';
      return [
        'invalid',
        `${text}; change the element so the rule holds${fhirpath ? ` (FHIRPath: ${fhirpath})` : ''}`,
      ];
    },
  ],
  [
    /^Value did not match expected pattern$/,
    () => ['value', 'value does not match the fixed value or pattern the definition requires'],
  ],
  [
    /^(Expected number|Invalid numeric value)/,
    (m, c) => ['value', `${show(c)}: ${lowerFirst(m.input ?? '')}`],
  ],
  [/^(String |base64Binary )/, (m) => ['value', lowerFirst(m.input ?? '')]],
  [
    /^Invalid reference/,
    (m) => [
      'structure',
      `${lowerFirst(m.input ?? '')}; point the reference at a resource type the element allows`,
    ],
  ],
];

function rewrite(
  text: string,
  issue: OperationOutcomeIssue,
  path: string,
  resource: unknown,
): [Code, string] {
  const context: Context = { issue, path, resource };
  for (const [pattern, fix] of RULES) {
    const m = text.match(pattern);
    if (m) return fix(m, context);
  }
  if (issue.code === 'processing') {
    // A FHIRPath invariant medplum could not evaluate: kept as an error rather than dropped.
    const { fhirpath, error } = parseDiagnostics(issue.diagnostics);
    return ['invalid', `${text}${fhirpath ? ` ${fhirpath}` : ''}${error ? `: ${String(error)}` : ''}`];
  }
  return [issue.code === 'structure' ? 'structure' : 'invalid', text];
}

// medplum puts extra data (the FHIRPath of a failed invariant) into diagnostics as JSON.
function parseDiagnostics(diagnostics: string | undefined): { fhirpath?: string; error?: unknown } {
  if (!diagnostics) return {};
  try {
    return JSON.parse(diagnostics) as { fhirpath?: string; error?: unknown };
  } catch {
    return {};
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Replaces medplum's choice segments ("Observation.effective[x]") with the JSON key present ("effectiveDateTime"). */
function concretePath(resource: unknown, path: string): string {
  if (!path.includes('[x]')) return path;
  const segments = path.split('.');
  let cur: unknown = resource;
  for (let i = 1; i < segments.length; i++) {
    const m = segments[i].match(/^([^[]+)(\[x\])?(?:\[(\d+)\])?$/);
    if (!m || typeof cur !== 'object' || cur === null) break;
    const obj = cur as Record<string, unknown>;
    let key = m[1];
    if (m[2]) {
      const actual = Object.keys(obj).find((k) => k.startsWith(key) && /^[A-Z]/.test(k.slice(key.length)));
      if (!actual) break;
      key = actual;
      segments[i] = key + (m[3] !== undefined ? `[${m[3]}]` : '');
    }
    cur = obj[key];
    if (m[3] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[3])] : undefined;
  }
  return segments.join('.');
}

/** Quotes the offending value for the message, found via medplum's path (e.g. "Patient.name[0].given[1]"). */
function show({ resource, path }: Context): string {
  let cur: unknown = resource;
  for (const segment of path.split('.').slice(1)) {
    const m = segment.match(/^([^[]+)(?:\[(\d+)\])?$/);
    if (!m || typeof cur !== 'object' || cur === null) return 'value';
    cur = (cur as Record<string, unknown>)[m[1]];
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  const json = JSON.stringify(cur);
  if (json === undefined) return 'value';
  return `value ${json.length > 80 ? `${json.slice(0, 77)}...` : json}`;
}
