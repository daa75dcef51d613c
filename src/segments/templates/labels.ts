import type { Node } from '../definition.ts';

/**
 * Swedish rule labels. Template definitions carry English labels (like the
 * funnel's own descriptions); a segment copied from a template in Swedish
 * gets these, so the funnel speaks the editor's language.
 */
const SV: Record<string, string> = {
  'Has diabetes': 'Har diabetes',
  'Latest HbA1c in 12 months above 70 mmol/mol': 'Senaste HbA1c (12 mån) över 70 mmol/mol',
  'No HbA1c in 12 months': 'Inget HbA1c på 12 mån',
  'Has hypertension': 'Har hypertoni',
  'Latest blood pressure at or above 140/90': 'Senaste blodtryck minst 140/90',
  'Latest systolic in 12 months ≥ 140 mmHg': 'Senaste systoliska (12 mån) ≥ 140 mmHg',
  'Latest diastolic in 12 months ≥ 90 mmHg': 'Senaste diastoliska (12 mån) ≥ 90 mmHg',
  'Has asthma or COPD': 'Har astma eller KOL',
  'No follow-up in 12 months': 'Ingen uppföljning på 12 mån',
  'Follow-up visit in 12 months': 'Uppföljningsbesök på 12 mån',
  'Follow-up appointment kept in 12 months': 'Genomförd uppföljningstid på 12 mån',
  Women: 'Kvinnor',
  'No mammography in 24 months': 'Ingen mammografi på 24 mån',
  Mammography: 'Mammografi',
  'Breast screening visit': 'Besök för bröstscreening',
  'Due for their age band': 'Dags enligt åldersgrupp',
  'Age 23–49 and no sample in 3 years': 'Ålder 23–49 och inget prov på 3 år',
  'Age 50–64 and no sample in 7 years': 'Ålder 50–64 och inget prov på 7 år',
  'No sample in 3 years': 'Inget prov på 3 år',
  'No sample in 7 years': 'Inget prov på 7 år',
  'Cervical screening sample': 'Cellprov',
  'Cervical cytology result': 'Cytologisvar',
  'Cervical screening visit': 'Besök för cellprovtagning',
  'No screening test in 24 months': 'Inget screeningtest på 24 mån',
  'Stool test (FIT)': 'Avföringsprov (FIT)',
  'Colonoscopy or stool test procedure': 'Koloskopi eller avföringsprov',
  'Colorectal screening visit': 'Besök för tarmcancerscreening',
  'Age 65+ or in a risk group': 'Ålder 65+ eller riskgrupp',
  'Risk group: diabetes, chronic lung, heart or kidney disease':
    'Riskgrupp: diabetes, kronisk lung-, hjärt- eller njursjukdom',
  'No influenza vaccine since 1 October': 'Inget influensavaccin sedan 1 oktober',
  'Age 75+ or an adult in a risk group': 'Ålder 75+ eller vuxen i riskgrupp',
  'Adult in a risk group': 'Vuxen i riskgrupp',
  'Risk group: diabetes, COPD, heart failure or chronic kidney disease':
    'Riskgrupp: diabetes, KOL, hjärtsvikt eller kronisk njursjukdom',
  'Never vaccinated against pneumococci': 'Aldrig vaccinerad mot pneumokocker',
  'Booked appointment in the next 48 hours': 'Bokad tid inom 48 timmar',
  'Inpatient stay ended in the last 7 days': 'Utskriven från slutenvård senaste 7 dagarna',
  'At least 2 no-shows in 12 months': 'Minst 2 uteblivna besök på 12 mån',
};

/** The Swedish label for an English template label, or undefined when there is none. */
export function svLabel(en: string): string | undefined {
  const age = /^Age (\d+(?:–\d+|\+))$/.exec(en);
  return age ? `Ålder ${age[1]}` : SV[en];
}

/** Every label in a tree, in document order. */
export function labelsOf(n: Node): string[] {
  const own = n.label ? [n.label] : [];
  switch (n.kind) {
    case 'and':
    case 'or':
      return [...own, ...n.children.flatMap(labelsOf)];
    case 'not':
      return [...own, ...labelsOf(n.child)];
    default:
      return own;
  }
}

/** Rewrites labels in place (on a copy the caller owns). */
export function relabel(n: Node, to: (label: string) => string | undefined): void {
  if (n.label) n.label = to(n.label) ?? n.label;
  if (n.kind === 'and' || n.kind === 'or') for (const c of n.children) relabel(c, to);
  else if (n.kind === 'not') relabel(n.child, to);
}
