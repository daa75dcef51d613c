import type { Definition } from '../definition.ts';

/** A text in the two languages the UI speaks. */
export interface Bilingual {
  sv: string;
  en: string;
}

export const TEMPLATE_CATEGORIES = {
  'chronic-care': { sv: 'Kronisk sjukdom', en: 'Chronic care' },
  screening: { sv: 'Screening', en: 'Screening' },
  vaccination: { sv: 'Vaccination', en: 'Vaccination' },
  appointments: { sv: 'Bokningar', en: 'Appointments' },
  'care-transitions': { sv: 'Vårdövergångar', en: 'Care transitions' },
} as const satisfies Record<string, Bilingual>;
export type TemplateCategory = keyof typeof TEMPLATE_CATEGORIES;

/** One code set a template uses, as the docs and the code picker show it. */
export interface TemplateCodes {
  /** The code system's name for people: ICD-10-SE, SNOMED CT, ATC, KVÅ, LOINC, CVX… */
  system: string;
  codes: string[];
  /** The codes and every code below them (ICD-10 E11 covers E11.9). */
  descendants?: boolean;
  meaning: string;
}

export interface TemplateGuideline {
  title: string;
  publisher: string;
  /** Only where the address is known to be right. */
  url?: string;
  /** Why the rule looks the way it does, and what the template leaves out. */
  note: string;
}

export interface SegmentTemplate {
  /** kebab-case, stable: saved segments remember the template they came from. */
  id: string;
  name: Bilingual;
  description: Bilingual;
  category: TemplateCategory;
  definition: Definition;
  codes: TemplateCodes[];
  guideline: TemplateGuideline;
}
