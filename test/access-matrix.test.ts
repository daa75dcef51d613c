import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessRule, fhirPermission, routeTable } from '../src/auth/access.ts';
import { createCareUnit } from '../src/auth/care-units.ts';
import { BUILTIN_ROLES } from '../src/auth/permissions.ts';
import { roleAuth, type TestServer, testServer } from './helpers.ts';

/**
 * Generated from the permission table: every route × every built-in role (and
 * nobody), asserting allow or deny. A route without an access rule fails here.
 */
let s: TestServer;
const auth = new Map<string, { authorization?: string }>();

const SAMPLE_TYPES = ['Patient', 'Observation', 'Organization'];
const IDS: Record<string, string> = { Patient: 'p1', Observation: 'o1', Organization: 'org1' };

function sampleBody(type: string, id?: string): Record<string, unknown> {
  const base = id ? { id } : {};
  switch (type) {
    case 'Patient':
      return { resourceType: 'Patient', ...base, managingOrganization: { reference: 'Organization/org1' } };
    case 'Observation':
      return {
        resourceType: 'Observation',
        ...base,
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/p1' },
      };
    default:
      return { resourceType: type, ...base, name: 'Vårdcentral' };
  }
}

beforeAll(async () => {
  s = await testServer();
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      sampleBody('Organization', 'org1'),
      sampleBody('Patient', 'p1'),
      sampleBody('Observation', 'o1'),
    ].map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
  const res = await fetch(`${s.url}/fhir/R4`, {
    method: 'POST',
    headers: { ...s.auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  expect(res.status).toBe(200);
  await createCareUnit(s.db, { id: 'vc-1', name: 'Vårdcentral 1', refs: ['Organization/org1'] });
  auth.set('nobody', {});
  for (const role of BUILTIN_ROLES) auth.set(role.name, await roleAuth(s, role.name, ['vc-1']));
});
afterAll(() => s?.close());

const GUARDED = /^\/(api|fhir|auth)(\/|$)/;

interface Case {
  method: string;
  path: string;
  body?: unknown;
  /** Permissions needed (all), or 'public' / 'signed-in'. */
  needs: 'public' | 'signed-in' | string[];
}

function fillParams(url: string, type: string): string {
  return url
    .replace(':type', type)
    .replace(':id', type === 'X' ? randomUUID() : (IDS[type] ?? randomUUID()))
    .replace(':vid', '1')
    .replace(':jobId', randomUUID())
    .replace(':name', 'no-such-role')
    .replace('*', 'missing.js');
}

function fhirCases(method: string, url: string, rule: Extract<AccessRule, { fhir: unknown }>): Case[] {
  const out: Case[] = [];
  if (rule.fhir === 'bundle') {
    for (const t of SAMPLE_TYPES)
      out.push({
        method,
        path: url,
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ resource: sampleBody(t, IDS[t]), request: { method: 'PUT', url: `${t}/${IDS[t]}` } }],
        },
        needs: [fhirPermission(t, 'write')!, 'patient:all-units'],
      });
    return out;
  }
  if (url.endsWith('/_history') && !url.includes(':id')) {
    const types = url.includes(':type') ? SAMPLE_TYPES : [undefined];
    for (const t of types) {
      const needs = t
        ? [fhirPermission(t, 'read')!]
        : ['patient:read', 'clinical:read', 'directory:read', 'patient:all-units'];
      if (t && fhirPermission(t, 'read') !== 'directory:read') needs.push('patient:all-units');
      out.push({ method, path: t ? url.replace(':type', t) : url, needs });
    }
    return out;
  }
  if (url.includes('$everything'))
    return [{ method, path: url.replace(':id', 'p1'), needs: ['patient:read'] }];
  const types = url.includes(':type') ? SAMPLE_TYPES : [url.split('/')[3]];
  for (const t of types) {
    const op = rule.fhir === 'write' ? 'write' : 'read';
    const needs = [fhirPermission(t, op)!];
    if (method === 'PUT' && !url.includes(':id')) needs.push('patient:all-units');
    const body =
      method === 'POST' || method === 'PUT'
        ? sampleBody(t, url.includes(':id') ? IDS[t] : undefined)
        : undefined;
    // Deletes name a resource that does not exist, so the shared sample data stays for the other cases.
    const path =
      (method === 'DELETE' ? url.replace(':type', t).replace(':id', randomUUID()) : fillParams(url, t)) +
      (method === 'PUT' && !url.includes(':id') ? `?_id=${IDS[t]}` : '');
    out.push({ method, path, body, needs });
  }
  return out;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const r of routeTable(s.app)) {
    if (!GUARDED.test(r.url)) continue;
    const rule = r.access!;
    if ('public' in rule) out.push({ method: r.method, path: fillParams(r.url, 'X'), needs: 'public' });
    else if ('signedIn' in rule)
      out.push({ method: r.method, path: fillParams(r.url, 'X'), needs: 'signed-in' });
    else if ('permission' in rule)
      out.push({ method: r.method, path: fillParams(r.url, 'X'), needs: [rule.permission] });
    else out.push(...fhirCases(r.method, r.url, rule));
  }
  return out;
}

describe('permission table on every route', () => {
  it('every route declares an access rule', () => {
    const missing = routeTable(s.app)
      .filter((r) => !r.access)
      .map((r) => `${r.method} ${r.url}`);
    expect(missing, 'routes without config.access (add one: see src/auth/access.ts)').toEqual([]);
  });

  it('answers allow or deny per role exactly as the table says', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const c of cases()) {
      for (const [role, headers] of auth) {
        const perms = new Set(BUILTIN_ROLES.find((r) => r.name === role)?.permissions ?? []);
        const allowed =
          c.needs === 'public'
            ? true
            : role === 'nobody'
              ? false
              : c.needs === 'signed-in'
                ? true
                : c.needs.every((p) => perms.has(p as never));
        const res = await fetch(`${s.url}${c.path}`, {
          method: c.method,
          headers: {
            ...headers,
            ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
          redirect: 'manual',
        });
        checked++;
        const text = await res.text();
        const denied = res.status === 401 || res.status === 403;
        if (allowed === denied || res.status >= 500)
          failures.push(
            `${role.padEnd(18)} ${c.method} ${c.path} → ${res.status} (expected ${allowed ? 'allow' : 'deny'}) ${text.slice(0, 160)}`,
          );
        else if (!allowed && role !== 'nobody' && res.status !== 403)
          failures.push(`${role} ${c.method} ${c.path} → ${res.status}, expected 403`);
        else if (!allowed && role === 'nobody' && c.needs !== 'public' && res.status !== 401)
          failures.push(`nobody ${c.method} ${c.path} → ${res.status}, expected 401`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });
});
