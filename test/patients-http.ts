import { expect } from 'vitest';
import type { TestServer } from './helpers.ts';

/** Shared by the patients-*.test.ts files: HTTP calls as a client makes them, and EHR Patients to sync. */

export const PNR_SYSTEM = 'urn:oid:1.2.752.129.2.1.3.1';

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export type Api = (
  path: string,
  init?: Omit<RequestInit, 'headers'> & { headers?: Record<string, string>; json?: unknown },
) => Promise<Answer>;

/** fetch against the server as the admin (unless headers say otherwise), not following redirects. */
export function apiFor(s: TestServer): Api {
  return async (path, init = {}) => {
    const { json, headers, ...rest } = init;
    const res = await fetch(`${s.url}${path}`, {
      ...rest,
      ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json) } : {}),
      redirect: 'manual',
      headers: {
        ...s.auth,
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, text, headers: res.headers };
  };
}

/** POST a contact list the way the web app uploads it. */
export function importCsv(api: Api, source: string, file: string | Uint8Array, query = ''): Promise<Answer> {
  return api(`/api/sources/${source}/contacts${query ? `?${query}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: typeof file === 'string' ? file : Buffer.from(file),
  });
}

export interface PatientFacts {
  pnr?: string;
  given: string;
  family: string;
  birthDate: string;
  phones?: string[];
  emails?: string[];
  org?: string;
}

/** An EHR Patient as the clinical store holds it. */
export function ehrPatient(id: string, f: PatientFacts, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Patient',
    id,
    ...(f.pnr ? { identifier: [{ system: PNR_SYSTEM, value: f.pnr }] } : {}),
    name: [{ use: 'official', family: f.family, given: [f.given] }],
    birthDate: f.birthDate,
    telecom: [
      ...(f.phones ?? []).map((value) => ({ system: 'phone', value, use: 'mobile' })),
      ...(f.emails ?? []).map((value) => ({ system: 'email', value })),
    ],
    ...(f.org ? { managingOrganization: { reference: `Organization/${f.org}` } } : {}),
    ...extra,
  };
}

/** The one active profile a search finds. */
export async function findProfile(api: Api, q: string): Promise<string> {
  const r = await api(`/api/profiles?q=${encodeURIComponent(q)}`);
  expect(r.status, r.text).toBe(200);
  expect(r.body.profiles, `profiles for ${q}`).toHaveLength(1);
  return r.body.profiles[0].id;
}

export async function canContact(
  api: Api,
  id: string,
  query: string,
  headers?: Record<string, string>,
): Promise<any> {
  const r = await api(`/api/profiles/${id}/can-contact?${query}`, { headers });
  expect(r.status, r.text).toBe(200);
  return r.body;
}
