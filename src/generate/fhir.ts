// Shared FHIR shapes and code systems used by every builder in this folder.

export interface Resource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const ATC = 'http://www.whocc.no/atc';
export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const ICD10_SE = 'urn:oid:1.2.752.116.1.1.1.1.3';
export const HSA_ID = 'urn:oid:1.2.752.29.4.19';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONTACT_CHANNEL = 'http://patient-outreach.org/fhir/CodeSystem/contact-channel';
export const SERVICE_TYPE = 'http://patient-outreach.org/fhir/CodeSystem/service-type';

export function ref(type: string, id: string, display?: string): { reference: string; display?: string } {
  return display === undefined ? { reference: `${type}/${id}` } : { reference: `${type}/${id}`, display };
}

export function quantity(value: number, unit: string, code = unit) {
  return { value, unit, system: UCUM, code };
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
