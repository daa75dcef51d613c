import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, registerAuditHooks } from '../src/auth/audit/hooks.ts';
import { AuditLog } from '../src/auth/audit/log.ts';
import { queryAudit } from '../src/auth/audit/query.ts';
import { registerAuditRoutes } from '../src/auth/audit/routes.ts';
import { type AuditTestDb, auditTestDb, parseCsv, testPrincipal } from '../src/auth/audit/testing.ts';
import type { Principal } from '../src/auth/principal.ts';
import type { Database } from '../src/db/database.ts';
import { validateResource } from '../src/fhir/validate.ts';
import { errorHandler, ProblemError } from '../src/http/errors.ts';

/**
 * The audit routes and hooks on a bare Fastify app: the caller is whoever
 * `as` names, and config.access is enforced the way the server's auth hook
 * does, so these tests do not depend on sign-in.
 */
async function auditApp(db: Database, env: AuditTestDb, log: AuditLog) {
  const app = Fastify() as unknown as FastifyInstance;
  const routes: { method: string; url: string; access: unknown }[] = [];
  app.addHook('onRoute', (r) => {
    routes.push({ method: String(r.method), url: r.url, access: (r.config as any)?.access });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(1 << 20));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
    done(null, body),
  );
  await app.register(fastifySwagger, {
    openapi: { info: { title: 't', version: '0' } },
    transform: jsonSchemaTransform,
  });
  let caller: Principal | null = testPrincipal();
  app.addHook('onRequest', async (req) => {
    (req as any).principal = caller ?? undefined;
  });
  registerAuditHooks(app, log);
  app.addHook('preHandler', async (req) => {
    const rule = (req.routeOptions.config as any).access;
    if (rule?.permission && !caller?.permissions.has(rule.permission))
      throw new ProblemError(403, 'Forbidden', `needs ${rule.permission}`);
  });
  registerAuditRoutes(app, {
    db,
    audit: log,
    clock: env.clock,
    baseUrl: 'https://outreach.example',
    retentionDays: 365,
  });
  // A stand-in for a patient route of another module.
  app.get<{ Params: { id: string } }>('/test/patient/:id', async (req) => {
    audit(req, {
      action: 'read',
      outcome: 'success',
      resourceType: 'Patient',
      resourceIds: [req.params.id],
      patientIds: [req.params.id],
    });
    if (req.params.id === 'broken') throw new Error('store failed after the access was noted');
    return { id: req.params.id, name: 'Sven Svensson' };
  });
  await app.ready();
  return { app, routes, as: (p: Principal | null) => (caller = p) };
}

describe('audit HTTP routes', () => {
  let env: AuditTestDb;
  let log: AuditLog;
  let t: Awaited<ReturnType<typeof auditApp>>;
  const clinician = testPrincipal({
    actorId: 'u-7',
    actorName: 'karin.klinik@region.example',
    role: 'clinical',
    permissions: new Set(['patient:read', 'clinical:read']),
  });
  const admin = testPrincipal({ actorId: 'u-admin', actorName: 'admin@region.example' });

  beforeAll(async () => {
    env = await auditTestDb('2026-02-01T08:00:00Z');
    log = new AuditLog(env.db, env.clock);
    t = await auditApp(env.db, env, log);
    t.as(clinician);
    for (const id of ['p1', 'p2', 'p1']) {
      env.clock.advance(3_600_000);
      const res = await t.app.inject({
        url: `/test/patient/${id}`,
        headers: { 'user-agent': 'Firefox/140' },
      });
      expect(res.statusCode).toBe(200);
    }
    t.as(admin);
  });
  afterAll(async () => {
    await t.app.close();
    await env.close();
  });

  it('every route declares its access rule', () => {
    const ours = t.routes.filter(
      (r) => r.method !== 'HEAD' && (r.url.includes('audit') || r.url.includes('AuditEvent')),
    );
    expect(ours.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /api/audit',
      'GET /api/audit/extract',
      'GET /fhir/R4/AuditEvent',
      'GET /fhir/R4/AuditEvent/:id',
      'POST /api/audit/purge',
      'POST /api/audit/verify',
      'POST /fhir/R4/AuditEvent/_search',
    ]);
    for (const r of ours)
      expect(r.access, r.url).toEqual({
        permission: r.url.endsWith('verify') || r.url.endsWith('purge') ? 'audit:verify' : 'audit:read',
      });
    expect(() => t.app.swagger()).not.toThrow();
  });

  it('a noted access is committed before the response is sent, with who, where and which patient', async () => {
    t.as(clinician);
    const res = await t.app.inject({ url: '/test/patient/p9', headers: { 'user-agent': 'Safari' } });
    t.as(admin);
    expect(res.statusCode).toBe(200);
    // No flush: the row is there because the response waited for it.
    const [row] = await env.db.query<any>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1');
    expect(row).toMatchObject({
      actor_id: 'u-7',
      role: 'clinical',
      action: 'read',
      outcome: 'success',
      patient_ids: ['p9'],
      ip: '127.0.0.1',
      client: 'Safari',
    });
  });

  it('a response that fails after the access was noted is recorded as an error', async () => {
    const res = await t.app.inject({ url: '/test/patient/broken' });
    expect(res.statusCode).toBe(500);
    const [row] = await env.db.query<any>(
      'SELECT action, outcome, patient_ids FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(row).toEqual({ action: 'read', outcome: 'error', patient_ids: ['broken'] });
  });

  it('fails closed: when the audit record cannot be written the data is not sent', async () => {
    const failing: Database = {
      ...env.db,
      dialect: env.db.dialect,
      schema: env.db.schema,
      kysely: env.db.kysely,
      query: () => Promise.reject(new Error('connection lost')),
      transaction: () => Promise.reject(new Error('connection lost')),
      close: async () => undefined,
    };
    const broken = await auditApp(env.db, env, new AuditLog(failing, env.clock));
    try {
      const res = await broken.app.inject({ url: '/test/patient/p1' });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('Sven Svensson');
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    } finally {
      await broken.app.close();
    }
  });

  it('GET /api/audit queries by patient and is itself recorded as an access to that patient', async () => {
    const res = await t.app.inject({ url: '/api/audit?patient=p1&limit=10' });
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page.records.map((r: any) => [r.actorName, r.patientIds])).toEqual([
      ['karin.klinik@region.example', ['p1']],
      ['karin.klinik@region.example', ['p1']],
    ]);
    expect(page.next).toBeNull();
    const [self] = (await queryAudit(env.db, { user: 'u-admin', limit: 1 })).records;
    expect(self).toMatchObject({
      action: 'search',
      resourceType: 'AuditEvent',
      patientIds: ['p1'],
      detail: '/api/audit?patient=p1&limit=10',
    });
    // Now the administrator's look shows up in the patient's log.
    const again = (await t.app.inject({ url: '/api/audit?patient=p1' })).json();
    expect(again.records[0].actorName).toBe('admin@region.example');
  });

  it('GET /api/audit pages, filters by user and action, and rejects bad input as problem+json', async () => {
    const one = (
      await t.app.inject({ url: '/api/audit?user=karin.klinik@region.example&action=read&limit=1' })
    ).json();
    expect(one.records).toHaveLength(1);
    expect(one.next).not.toBeNull();
    const two = (
      await t.app.inject({ url: `/api/audit?user=u-7&action=read&limit=10&before=${one.next}` })
    ).json();
    expect(two.records.every((r: any) => r.seq < Number(one.next) && r.actorId === 'u-7')).toBe(true);
    for (const bad of ['limit=5000', 'action=peek', 'from=yesterday', 'before=x']) {
      const res = await t.app.inject({ url: `/api/audit?${bad}` });
      expect(res.statusCode, bad).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().detail).toMatch(/querystring\.(limit|action|from|before)/);
    }
  });

  it('needs audit:read', async () => {
    t.as(clinician);
    try {
      expect((await t.app.inject({ url: '/api/audit' })).statusCode).toBe(403);
      expect((await t.app.inject({ url: '/fhir/R4/AuditEvent' })).statusCode).toBe(403);
    } finally {
      t.as(admin);
    }
  });

  it('GET /api/audit/extract: CSV download of who accessed the patient, recorded as an export', async () => {
    const res = await t.app.inject({ url: '/api/audit/extract?patient=p1&format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit-extract-p1-2026-02-01.csv"');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = parseCsv(res.rawPayload.toString('utf8').slice(1));
    expect(rows[0][2]).toBe('Vem / Who');
    const who = rows.slice(1).map((r) => r[2]);
    expect(who.filter((w) => w === 'karin.klinik@region.example')).toHaveLength(2);
    expect(res.body).not.toContain('p2');
    const [self] = (await queryAudit(env.db, { user: 'u-admin', action: 'export' })).records;
    expect(self).toMatchObject({ resourceType: 'AuditEvent', patientIds: ['p1'] });
  });

  it('GET /api/audit/extract: PDF by default; the patient is required', async () => {
    const res = await t.app.inject({ url: '/api/audit/extract?patient=p1&from=2026-02-01&to=2026-02-01' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/filename="audit-extract-p1-2026-02-01\.pdf"/);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await t.app.inject({ url: '/api/audit/extract?format=csv' })).statusCode).toBe(400);
  });

  it('FHIR AuditEvent search: a valid searchset, filtered, paged, recorded', async () => {
    const res = await t.app.inject({
      url: '/fhir/R4/AuditEvent?patient=p1&agent=u-7&action=R&date=ge2026-02-01&_count=1',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    const bundle = res.json();
    expect(validateResource(bundle).filter((i) => i.severity === 'error')).toEqual([]);
    expect(bundle.entry).toHaveLength(1);
    const ev = bundle.entry[0].resource;
    expect(ev.agent[0].who.display).toBe('karin.klinik@region.example');
    expect(ev.entity[0].what.reference).toBe('Patient/p1');
    const next = bundle.link.find((l: any) => l.relation === 'next').url as string;
    expect(next.startsWith('https://outreach.example/fhir/R4/AuditEvent?')).toBe(true);
    const page2 = (await t.app.inject({ url: next.replace('https://outreach.example', '') })).json();
    expect(page2.entry).toHaveLength(1);
    expect(Number(page2.entry[0].resource.id)).toBeLessThan(Number(ev.id));
    const posted = await t.app.inject({
      method: 'POST',
      url: '/fhir/R4/AuditEvent/_search',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'patient=p2',
    });
    expect(posted.json().entry.map((e: any) => e.resource.entity[0].what.reference)).toContain('Patient/p2');
    const [self] = (await queryAudit(env.db, { user: 'u-admin', limit: 1 })).records;
    expect(self).toMatchObject({ action: 'search', resourceType: 'AuditEvent', patientIds: ['p2'] });
  });

  it('FHIR AuditEvent read by id; unknown ids and parameters answer OperationOutcome', async () => {
    const [rec] = (await queryAudit(env.db, { user: 'u-7', patient: 'p2' })).records;
    const res = await t.app.inject({ url: `/fhir/R4/AuditEvent/${rec.seq}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      resourceType: 'AuditEvent',
      id: String(rec.seq),
      action: 'R',
      outcome: '0',
    });
    expect(validateResource(res.json()).filter((i) => i.severity === 'error')).toEqual([]);
    for (const url of [
      '/fhir/R4/AuditEvent/999999',
      '/fhir/R4/AuditEvent/abc',
      '/fhir/R4/AuditEvent?subtype=read',
      '/fhir/R4/AuditEvent?date=ge2026-13-99',
    ]) {
      const bad = await t.app.inject({ url });
      expect(bad.statusCode, url).toBe(url.includes('?') ? 400 : 404);
      expect(bad.json().resourceType).toBe('OperationOutcome');
    }
    const lenient = await t.app.inject({
      url: '/fhir/R4/AuditEvent?subtype=read',
      headers: { prefer: 'handling=lenient' },
    });
    expect(lenient.statusCode).toBe(200);
  });

  it('POST /api/audit/verify and /api/audit/purge', async () => {
    const verified = await t.app.inject({ method: 'POST', url: '/api/audit/verify' });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ ok: true });
    env.clock.set('2027-06-01T00:00:00Z');
    const purged = await t.app.inject({ method: 'POST', url: '/api/audit/purge' });
    expect(purged.statusCode, purged.body).toBe(200);
    // The route's default retention is 365 days: everything from February 2026 goes.
    const result = purged.json();
    expect(result.purged).toBeGreaterThan(10);
    expect(result.before).toBe('2026-06-01T00:00:00.000Z');
    const after = (await t.app.inject({ method: 'POST', url: '/api/audit/verify' })).json();
    expect(after).toMatchObject({ ok: true, records: 1 });
    t.as(testPrincipal({ permissions: new Set(['audit:read']) }));
    try {
      expect((await t.app.inject({ method: 'POST', url: '/api/audit/purge' })).statusCode).toBe(403);
    } finally {
      t.as(admin);
    }
  });
});
