import type { Definition } from './definition.ts';
import { appointmentNext48Hours, dischargedLast7Days, noShows12Months } from './templates/care.ts';
import {
  asthmaCopdNoFollowUp,
  diabetesHba1cAboveTarget,
  diabetesNoHba1c12Months,
  hypertensionAboveTarget,
} from './templates/chronic.ts';
import { relabel, svLabel } from './templates/labels.ts';
import {
  cervicalScreeningDue,
  colorectalScreeningDue,
  mammographyScreeningDue,
} from './templates/screening.ts';
import type { SegmentTemplate } from './templates/types.ts';
import { influenzaVaccinationDue, pneumococcalVaccinationDue } from './templates/vaccination.ts';

/**
 * Ready segments for Swedish primary and specialist care (issue 5,
 * "Templates"), each with its codes and the guideline it follows; the
 * catalogue is docs/segment-templates.md. Templates are frozen: an editor
 * starts from templateToSegment(id), a fresh copy to change and save.
 */
export type {
  Bilingual,
  SegmentTemplate,
  TemplateCategory,
  TemplateCodes,
  TemplateGuideline,
} from './templates/types.ts';
export { TEMPLATE_CATEGORIES } from './templates/types.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export const TEMPLATES: readonly SegmentTemplate[] = deepFreeze([
  diabetesHba1cAboveTarget,
  diabetesNoHba1c12Months,
  hypertensionAboveTarget,
  asthmaCopdNoFollowUp,
  mammographyScreeningDue,
  cervicalScreeningDue,
  colorectalScreeningDue,
  influenzaVaccinationDue,
  pneumococcalVaccinationDue,
  appointmentNext48Hours,
  dischargedLast7Days,
  noShows12Months,
]);

const BY_ID = new Map(TEMPLATES.map((t) => [t.id, t]));

export function templateById(id: string): SegmentTemplate | undefined {
  return BY_ID.get(id);
}

/** What a new segment starts from: fits createSegment's input (segment-store.ts). */
export interface SegmentFromTemplate {
  name: string;
  description: string;
  kind: 'dynamic';
  definition: Definition;
  template: string;
}

/**
 * A fresh, editable copy of a template in one language: nothing in it is
 * shared with the template, so edits never reach the catalogue. In Swedish
 * the rule labels are Swedish too.
 */
export function templateToSegment(id: string, lang: 'sv' | 'en' = 'sv'): SegmentFromTemplate | undefined {
  const t = BY_ID.get(id);
  if (!t) return undefined;
  const definition = structuredClone(t.definition) as Definition;
  if (lang === 'sv') relabel(definition.root, svLabel);
  return {
    name: t.name[lang],
    description: t.description[lang],
    kind: 'dynamic',
    definition,
    template: t.id,
  };
}
