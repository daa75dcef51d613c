/**
 * The search parameters the store indexes, per resource type. This table is
 * the single source for indexing, query parsing and the CapabilityStatement:
 * a parameter not listed here is not searchable, and metadata says so.
 *
 * Paths are element names from the resource root, dot-separated; `x[x]`
 * matches every choice variant (effectiveDateTime, effectivePeriod, ...); a
 * `(field=value)` suffix keeps only array items with that field value.
 */
export type ParamKind = 'token' | 'reference' | 'string' | 'date' | 'quantity' | 'number' | 'uri';

export interface SearchParamDef {
  name: string;
  kind: ParamKind;
  paths: string[];
  /** Reference params: the resource types they may point to. */
  targets?: string[];
}

type Short = [name: string, kind: ParamKind, paths: string | string[], targets?: string[]];

const PATIENT = ['Patient'];
const PRACTITIONER = ['Practitioner', 'PractitionerRole'];

const subjectParams = (path = 'subject'): Short[] => [['subject', 'reference', path]];

const TABLE: Record<string, Short[]> = {
  Patient: [
    ['identifier', 'token', 'identifier'],
    ['name', 'string', 'name'],
    ['family', 'string', 'name.family'],
    ['given', 'string', 'name.given'],
    ['birthdate', 'date', 'birthDate'],
    ['gender', 'token', 'gender'],
    ['active', 'token', 'active'],
    ['address', 'string', 'address'],
    ['address-city', 'string', 'address.city'],
    ['address-postalcode', 'string', 'address.postalCode'],
    ['email', 'token', 'telecom(system=email)'],
    ['phone', 'token', 'telecom(system=phone)'],
    ['telecom', 'token', 'telecom'],
    ['language', 'token', 'communication.language'],
    [
      'general-practitioner',
      'reference',
      'generalPractitioner',
      ['Practitioner', 'PractitionerRole', 'Organization'],
    ],
    ['organization', 'reference', 'managingOrganization', ['Organization']],
    ['death-date', 'date', 'deceasedDateTime'],
  ],
  Observation: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['code', 'token', 'code'],
    ['category', 'token', 'category'],
    ['status', 'token', 'status'],
    ['date', 'date', 'effective[x]'],
    ['value-quantity', 'quantity', 'valueQuantity'],
    ['value-concept', 'token', 'valueCodeableConcept'],
    ['component-code', 'token', 'component.code'],
    ['component-value-quantity', 'quantity', 'component.valueQuantity'],
    ['encounter', 'reference', 'encounter', ['Encounter']],
    ['performer', 'reference', 'performer'],
  ],
  Condition: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['code', 'token', 'code'],
    ['category', 'token', 'category'],
    ['clinical-status', 'token', 'clinicalStatus'],
    ['verification-status', 'token', 'verificationStatus'],
    ['severity', 'token', 'severity'],
    ['onset-date', 'date', 'onset[x]'],
    ['abatement-date', 'date', 'abatement[x]'],
    ['recorded-date', 'date', 'recordedDate'],
    ['encounter', 'reference', 'encounter', ['Encounter']],
  ],
  Procedure: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['code', 'token', 'code'],
    ['category', 'token', 'category'],
    ['status', 'token', 'status'],
    ['date', 'date', 'performed[x]'],
    ['encounter', 'reference', 'encounter', ['Encounter']],
    ['performer', 'reference', 'performer.actor'],
    ['location', 'reference', 'location', ['Location']],
  ],
  MedicationRequest: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['code', 'token', 'medicationCodeableConcept'],
    ['medication', 'reference', 'medicationReference', ['Medication']],
    ['status', 'token', 'status'],
    ['intent', 'token', 'intent'],
    ['authoredon', 'date', 'authoredOn'],
    ['encounter', 'reference', 'encounter', ['Encounter']],
    ['requester', 'reference', 'requester'],
  ],
  AllergyIntolerance: [
    ['identifier', 'token', 'identifier'],
    ['code', 'token', ['code', 'reaction.substance']],
    ['clinical-status', 'token', 'clinicalStatus'],
    ['verification-status', 'token', 'verificationStatus'],
    ['criticality', 'token', 'criticality'],
    ['type', 'token', 'type'],
    ['category', 'token', 'category'],
    ['date', 'date', 'recordedDate'],
    ['onset', 'date', 'onset[x]'],
  ],
  Immunization: [
    ['identifier', 'token', 'identifier'],
    ['vaccine-code', 'token', 'vaccineCode'],
    ['status', 'token', 'status'],
    ['date', 'date', 'occurrence[x]'],
    ['lot-number', 'string', 'lotNumber'],
    ['location', 'reference', 'location', ['Location']],
    ['performer', 'reference', 'performer.actor'],
  ],
  Encounter: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['class', 'token', 'class'],
    ['type', 'token', 'type'],
    ['date', 'date', 'period'],
    ['reason-code', 'token', 'reasonCode'],
    ['service-provider', 'reference', 'serviceProvider', ['Organization']],
    ['location', 'reference', 'location.location', ['Location']],
    ['participant', 'reference', 'participant.individual'],
    ['practitioner', 'reference', 'participant.individual', PRACTITIONER],
    ['episode-of-care', 'reference', 'episodeOfCare', ['EpisodeOfCare']],
  ],
  EpisodeOfCare: [
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['type', 'token', 'type'],
    ['date', 'date', 'period'],
    ['organization', 'reference', 'managingOrganization', ['Organization']],
    ['care-manager', 'reference', 'careManager', ['Practitioner', 'PractitionerRole']],
    ['condition', 'reference', 'diagnosis.condition', ['Condition']],
  ],
  Appointment: [
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['date', 'date', 'start'],
    ['actor', 'reference', 'participant.actor'],
    ['practitioner', 'reference', 'participant.actor', ['Practitioner']],
    ['location', 'reference', 'participant.actor', ['Location']],
    ['service-type', 'token', 'serviceType'],
    ['appointment-type', 'token', 'appointmentType'],
    ['part-status', 'token', 'participant.status'],
  ],
  Location: [
    ['identifier', 'token', 'identifier'],
    ['name', 'string', ['name', 'alias']],
    ['status', 'token', 'status'],
    ['type', 'token', 'type'],
    ['address', 'string', 'address'],
    ['address-city', 'string', 'address.city'],
    ['address-postalcode', 'string', 'address.postalCode'],
    ['organization', 'reference', 'managingOrganization', ['Organization']],
    ['partof', 'reference', 'partOf', ['Location']],
  ],
  Consent: [
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['scope', 'token', 'scope'],
    ['category', 'token', 'category'],
    ['date', 'date', 'dateTime'],
    ['period', 'date', 'provision.period'],
    ['action', 'token', 'provision.action'],
    ['organization', 'reference', 'organization', ['Organization']],
  ],
  Practitioner: [
    ['identifier', 'token', 'identifier'],
    ['name', 'string', 'name'],
    ['family', 'string', 'name.family'],
    ['given', 'string', 'name.given'],
    ['gender', 'token', 'gender'],
    ['active', 'token', 'active'],
    ['email', 'token', 'telecom(system=email)'],
    ['phone', 'token', 'telecom(system=phone)'],
    ['address', 'string', 'address'],
    ['address-postalcode', 'string', 'address.postalCode'],
  ],
  PractitionerRole: [
    ['identifier', 'token', 'identifier'],
    ['practitioner', 'reference', 'practitioner', ['Practitioner']],
    ['organization', 'reference', 'organization', ['Organization']],
    ['location', 'reference', 'location', ['Location']],
    ['role', 'token', 'code'],
    ['specialty', 'token', 'specialty'],
    ['active', 'token', 'active'],
  ],
  Organization: [
    ['identifier', 'token', 'identifier'],
    ['name', 'string', ['name', 'alias']],
    ['type', 'token', 'type'],
    ['active', 'token', 'active'],
    ['partof', 'reference', 'partOf', ['Organization']],
    ['address', 'string', 'address'],
    ['address-city', 'string', 'address.city'],
    ['address-postalcode', 'string', 'address.postalCode'],
  ],
  CarePlan: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['intent', 'token', 'intent'],
    ['category', 'token', 'category'],
    ['date', 'date', 'period'],
    ['activity-code', 'token', 'activity.detail.code'],
    ['care-team', 'reference', 'careTeam', ['CareTeam']],
    ['encounter', 'reference', 'encounter', ['Encounter']],
  ],
  Task: [
    ['identifier', 'token', 'identifier'],
    ['subject', 'reference', 'for'],
    ['status', 'token', 'status'],
    ['business-status', 'token', 'businessStatus'],
    ['intent', 'token', 'intent'],
    ['priority', 'token', 'priority'],
    ['code', 'token', 'code'],
    ['authored-on', 'date', 'authoredOn'],
    ['period', 'date', 'executionPeriod'],
    ['owner', 'reference', 'owner'],
    ['requester', 'reference', 'requester'],
    ['focus', 'reference', 'focus'],
  ],
  DiagnosticReport: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['code', 'token', 'code'],
    ['category', 'token', 'category'],
    ['status', 'token', 'status'],
    ['date', 'date', 'effective[x]'],
    ['issued', 'date', 'issued'],
    ['encounter', 'reference', 'encounter', ['Encounter']],
    ['result', 'reference', 'result', ['Observation']],
  ],
  CareTeam: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['category', 'token', 'category'],
    ['date', 'date', 'period'],
    ['participant', 'reference', 'participant.member'],
  ],
  Claim: [
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['created', 'date', 'created'],
    ['provider', 'reference', 'provider'],
  ],
  ExplanationOfBenefit: [
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['created', 'date', 'created'],
    ['provider', 'reference', 'provider'],
  ],
  Group: [
    ['identifier', 'token', 'identifier'],
    ['type', 'token', 'type'],
    ['code', 'token', 'code'],
    ['actual', 'token', 'actual'],
    ['member', 'reference', 'member.entity'],
  ],
  Device: [
    ['identifier', 'token', 'identifier'],
    ['type', 'token', 'type'],
    ['status', 'token', 'status'],
  ],
  ImagingStudy: [
    ...subjectParams(),
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['started', 'date', 'started'],
  ],
  Coverage: [
    ['identifier', 'token', 'identifier'],
    ['status', 'token', 'status'],
    ['payor', 'reference', 'payor'],
  ],
};

/**
 * Where each type names its patient: the resource then belongs to that
 * patient's compartment (patient_id column), which backs `patient=`,
 * `Patient/{id}/$everything`, the change feed's patient and access control.
 */
export const PATIENT_COMPARTMENT: Record<string, string> = {
  Observation: 'subject',
  Condition: 'subject',
  Procedure: 'subject',
  MedicationRequest: 'subject',
  MedicationStatement: 'subject',
  MedicationAdministration: 'subject',
  MedicationDispense: 'subject',
  AllergyIntolerance: 'patient',
  Immunization: 'patient',
  Encounter: 'subject',
  EpisodeOfCare: 'patient',
  Appointment: 'participant.actor',
  Consent: 'patient',
  CarePlan: 'subject',
  CareTeam: 'subject',
  Task: 'for',
  DiagnosticReport: 'subject',
  DocumentReference: 'subject',
  ServiceRequest: 'subject',
  Goal: 'subject',
  Claim: 'patient',
  ExplanationOfBenefit: 'patient',
  Coverage: 'beneficiary',
  Device: 'patient',
  ImagingStudy: 'subject',
  QuestionnaireResponse: 'subject',
  Communication: 'subject',
  CommunicationRequest: 'subject',
  Flag: 'subject',
  RiskAssessment: 'subject',
  FamilyMemberHistory: 'patient',
  Specimen: 'subject',
  ClinicalImpression: 'subject',
  DetectedIssue: 'patient',
  List: 'subject',
  Media: 'subject',
  NutritionOrder: 'patient',
  Basic: 'subject',
  RelatedPerson: 'patient',
  AdverseEvent: 'subject',
  Composition: 'subject',
  DeviceRequest: 'subject',
  DeviceUseStatement: 'subject',
  BodyStructure: 'patient',
  ImmunizationRecommendation: 'patient',
  ImmunizationEvaluation: 'patient',
  ClaimResponse: 'patient',
  Invoice: 'subject',
  Account: 'subject',
  ChargeItem: 'subject',
  DocumentManifest: 'subject',
  ResearchSubject: 'individual',
  RequestGroup: 'subject',
  MolecularSequence: 'patient',
  VisionPrescription: 'patient',
  SupplyDelivery: 'patient',
  CoverageEligibilityRequest: 'patient',
  CoverageEligibilityResponse: 'patient',
  EnrollmentRequest: 'candidate',
  GuidanceResponse: 'subject',
};

export interface CompiledParam extends SearchParamDef {
  steps: PathStep[][];
}

export interface PathStep {
  name: string;
  choice: boolean;
  filter?: { field: string; value: string };
}

function compilePath(path: string): PathStep[] {
  return path.split('.').map((seg) => {
    const m = /^([A-Za-z]+)(\[x\])?(?:\((\w+)=([^)]+)\))?$/.exec(seg);
    if (!m) throw new Error(`bad search path segment ${seg} in ${path}`);
    return {
      name: m[1],
      choice: Boolean(m[2]),
      ...(m[3] ? { filter: { field: m[3], value: m[4] } } : {}),
    };
  });
}

function compile(s: Short): CompiledParam {
  const paths = Array.isArray(s[2]) ? s[2] : [s[2]];
  return {
    name: s[0],
    kind: s[1],
    paths,
    ...(s[3] ? { targets: s[3] } : {}),
    steps: paths.map(compilePath),
  };
}

const compiled = new Map<string, Map<string, CompiledParam>>();
for (const [type, params] of Object.entries(TABLE)) {
  const m = new Map<string, CompiledParam>();
  for (const p of params) m.set(p[0], compile(p));
  const compartment = PATIENT_COMPARTMENT[type];
  if (compartment && !m.has('patient')) {
    m.set('patient', compile(['patient', 'reference', compartment, PATIENT]));
  }
  compiled.set(type, m);
}
for (const [type, path] of Object.entries(PATIENT_COMPARTMENT)) {
  if (!compiled.has(type))
    compiled.set(type, new Map([['patient', compile(['patient', 'reference', path, PATIENT])]]));
}

/** Search parameters of a type (excluding the common _id and _lastUpdated). */
export function searchParamsOf(type: string): ReadonlyMap<string, CompiledParam> {
  return compiled.get(type) ?? new Map();
}

export function searchParam(type: string, name: string): CompiledParam | undefined {
  return compiled.get(type)?.get(name);
}

export const compartmentStepsByType: ReadonlyMap<string, PathStep[]> = new Map(
  Object.entries(PATIENT_COMPARTMENT).map(([t, p]) => [t, compilePath(p)]),
);

/**
 * A reference parameter whose path is the type's patient-compartment path
 * (Observation `patient` and `subject`, Appointment `actor`, ...). Its value
 * naming the compartment's patient is not kept as a token: the indexed
 * patient_id column already answers it, and one unique key per resource is
 * the most expensive kind of GIN entry.
 */
export function isCompartmentParam(type: string, param: SearchParamDef): boolean {
  return (
    param.kind === 'reference' && param.paths.length === 1 && param.paths[0] === PATIENT_COMPARTMENT[type]
  );
}
