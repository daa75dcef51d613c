import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PATIENT_COMPARTMENT } from '../../fhir/search-params.ts';
import { buildExport, exportPdf } from '../export.ts';
import { eraseProfile, restrictProfile } from '../operations.ts';
import { profileDetail } from '../profile-read.ts';
import { EraseBody, ExportQuery, ProfileId, RestrictBody } from '../schemas.ts';
import {
  actorOf,
  auditProfile,
  openProfile,
  type PatientRouteDeps,
  problem,
  requireActive,
  secretOf,
  visibleRecords,
} from './context.ts';

const PRIVACY = { access: { permission: 'privacy:manage' as const } };
const TAGS = ['privacy'];

/** GDPR rights: access and portability (export), erasure, restriction. */
export function registerPrivacyRoutes(app: FastifyInstance, deps: PatientRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock } = deps;

  r.get(
    '/api/profiles/:id/export',
    {
      schema: {
        summary: 'Everything held on a person (GDPR art. 15/20), as JSON or a readable PDF',
        tags: TAGS,
        params: ProfileId,
        querystring: ExportQuery,
      },
      config: PRIVACY,
    },
    async (req, reply) => {
      const opened = await openProfile(req, deps, req.params.id);
      requireActive(opened);
      const full = (await profileDetail(db, req.params.id))!;
      const detail = { ...full, records: visibleRecords(opened, full.records) };
      const resources = await deps.store.patientResources(opened.visiblePatients, [
        ...Object.keys(PATIENT_COMPARTMENT),
        'Patient',
      ]);
      const x = await buildExport(db, detail, resources, clock.now());
      auditProfile(req, opened, 'export', `GDPR export (${req.query.format})`);
      const name = `profile-${req.params.id}-${clock.now().toISOString().slice(0, 10)}`;
      if (req.query.format === 'pdf')
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${name}.pdf"`)
          .send(await exportPdf(x));
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.json"`)
        .send(JSON.stringify(x, null, 2));
    },
  );

  r.post(
    '/api/profiles/:id/erase',
    {
      schema: {
        summary:
          'Erase a person from outreach (GDPR art. 17), leaving a suppression tombstone so a re-import does not bring them back',
        tags: TAGS,
        params: ProfileId,
        body: EraseBody,
        response: {
          200: z.object({ profileId: z.string(), records: z.number(), suppressionKeys: z.number() }),
        },
      },
      config: PRIVACY,
    },
    async (req) => {
      const opened = await openProfile(req, deps, req.params.id);
      const secret = await secretOf(deps);
      const out = await db
        .transaction((c) =>
          eraseProfile(c, req.params.id, req.body.reason, secret, { actor: actorOf(req), now: clock.now() }),
        )
        .catch(problem);
      // The reason may quote the person; it stays in the profile history, not in the audit purpose.
      auditProfile(req, opened, 'delete', 'GDPR erasure', 'GDPR art. 17 erasure');
      return { profileId: req.params.id, ...out };
    },
  );

  r.post(
    '/api/profiles/:id/restrict',
    {
      schema: {
        summary: 'Restrict processing (GDPR art. 18): kept but never contacted; or lift the restriction',
        tags: TAGS,
        params: ProfileId,
        body: RestrictBody,
        response: { 204: z.null() },
      },
      config: PRIVACY,
    },
    async (req, reply) => {
      const opened = await openProfile(req, deps, req.params.id);
      await db
        .transaction((c) =>
          restrictProfile(c, req.params.id, req.body.restricted, req.body.reason, {
            actor: actorOf(req),
            now: clock.now(),
          }),
        )
        .catch(problem);
      auditProfile(
        req,
        opened,
        'update',
        req.body.restricted ? 'processing restricted' : 'restriction lifted',
        req.body.reason,
      );
      return reply.status(204).send(null);
    },
  );
}
