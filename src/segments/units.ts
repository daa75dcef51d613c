/**
 * Observation values compared across units. Conversions are per analyte
 * (a "%" means different things for HbA1c and for oxygen saturation), so an
 * analyte lists its codes, its canonical unit and how other units convert.
 * Values are stored in the canonical unit when the analyte is known; other
 * observations keep their own unit and compare only with the same unit.
 */
export interface Analyte {
  name: string;
  codes: readonly string[];
  canonical: string;
  toCanonical: Readonly<Record<string, (v: number) => number>>;
  fromCanonical: Readonly<Record<string, (v: number) => number>>;
}

const LOINC = 'http://loinc.org';

export const ANALYTES: readonly Analyte[] = [
  {
    // IFCC–NGSP master equation: mmol/mol = 10.929 × (% − 2.15).
    name: 'HbA1c',
    codes: ['4548-4', '17856-6', '59261-8', '41995-2'],
    canonical: 'mmol/mol',
    toCanonical: { '%': (v) => 10.929 * (v - 2.15), 'mmol/mol': (v) => v },
    fromCanonical: { '%': (v) => v / 10.929 + 2.15, 'mmol/mol': (v) => v },
  },
  {
    // Molar mass of glucose 180.16 g/mol: 1 mmol/L = 18.016 mg/dL.
    name: 'Glucose',
    codes: ['2339-0', '2345-7', '15074-8', '14749-6', '1558-6', '41653-7'],
    canonical: 'mmol/L',
    toCanonical: { 'mg/dL': (v) => v / 18.016, 'mmol/L': (v) => v },
    fromCanonical: { 'mg/dL': (v) => v * 18.016, 'mmol/L': (v) => v },
  },
];

const BY_CODE = new Map<string, Analyte>();
for (const a of ANALYTES) for (const c of a.codes) BY_CODE.set(`${LOINC}|${c}`, a);

export function analyteOf(system: string, code: string): Analyte | undefined {
  return BY_CODE.get(`${system}|${code}`);
}

/** Unit spellings that mean the same UCUM unit. */
export const UNIT_ALIASES: Readonly<Record<string, string>> = {
  'mmol/mol': 'mmol/mol',
  'mmol/mol hb': 'mmol/mol',
  '%': '%',
  'mg/dl': 'mg/dL',
  'mmol/l': 'mmol/L',
  'mm[hg]': 'mm[Hg]',
  mmhg: 'mm[Hg]',
};

export function normaliseUnit(unit: string): string {
  const u = unit.trim();
  const k = u.toLowerCase();
  // Own properties only: a unit spelled "constructor" is just an unknown unit.
  return Object.hasOwn(UNIT_ALIASES, k) ? UNIT_ALIASES[k] : u;
}

/**
 * The stored (value, unit) of an observation value: converted to the
 * analyte's canonical unit when the analyte and unit are known.
 */
export function storedValue(
  system: string,
  code: string,
  value: number,
  unit: string | undefined,
): { value: number; unit: string | null } {
  const u = unit === undefined ? null : normaliseUnit(unit);
  const a = analyteOf(system, code);
  if (a && u !== null) {
    const f = Object.hasOwn(a.toCanonical, u) ? a.toCanonical[u] : undefined;
    if (f) return { value: f(value), unit: a.canonical };
  }
  return { value, unit: u };
}

/**
 * A condition's threshold in the unit values are stored in, for the codes it
 * names. Returns undefined when the codes span analytes whose units cannot
 * meet (the validator reports that), or the unit does not apply.
 */
export function thresholdFor(
  analyte: Analyte | undefined,
  value: number,
  unit: string,
): { value: number; unit: string } | undefined {
  const u = normaliseUnit(unit);
  if (!analyte) return { value, unit: u };
  const f = Object.hasOwn(analyte.toCanonical, u) ? analyte.toCanonical[u] : undefined;
  return f ? { value: f(value), unit: analyte.canonical } : undefined;
}
