import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { patientScope, unitPatients } from '../../auth/access.ts';
import { audit } from '../../auth/audit/hooks.ts';
import { can, orgWide } from '../../auth/principal.ts';
import { ProblemError } from '../../http/errors.ts';
import { SUMMARY_TYPES } from '../clinical-summary.ts';
import { canContact } from '../consent/can-contact.ts';
import { loadContactContext } from '../consent-store.ts';
import { mergeProfiles, ProfileError, setPreferences, splitProfile } from '../operations.ts';
import { assemble360 } from '../patient360.ts';
import { profileDetail, searchProfiles } from '../profile-read.ts';
import {
  CanContactQuery,
  ConflictSchema,
  ContactDecisionSchema,
  MergeBody,
  Patient360Schema,
  PreferencesBody,
  ProfileId,
  ProfileSearchQuery,
  ProfileSummarySchema,
  Reason,
  SplitBody,
} from '../schemas.ts';
import { consentPolicy } from '../settings.ts';
import {
  actorOf,
  auditProfile,
  openProfile,
  type PatientRouteDeps,
  problem,
  requireActive,
  visibleProfiles,
  visibleRecords,
} from './context.ts';

const READ = { access: { permission: 'patient:read' as const } };

/** How a settled conflict was settled (unify/conflicts.ts), as the resolve route says it. */
const RESOLUTION_TEXT: Record<string, string> = {
  'same-person': 'decided: the same person',
  'different-people': 'decided: different people',
  decided: 'decided by a person',
  joined: 'the record has joined that profile by itself',
  'record-removed': 'the record was deleted at its source or suppressed',
  erased: 'one side was erased',
  'profile-dissolved': 'the profile no longer holds any record',
};
const WRITE = { access: { permission: 'patient:write' as const } };
const TAGS = ['profiles'];

export function registerProfileRoutes(app: FastifyInstance, deps: PatientRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock } = deps;

  r.get(
    '/api/profiles',
    {
      schema: {
        summary: 'Find unified patient profiles by personnummer, e-mail, phone or name',
        tags: TAGS,
        querystring: ProfileSearchQuery,
        response: { 200: z.object({ profiles: z.array(ProfileSummarySchema) }) },
      },
      config: READ,
    },
    async (req) => {
      const p = req.principal!;
      // Over-fetch, then keep what the caller's care units allow.
      let found = await searchProfiles(
        db,
        req.query.q,
        orgWide(p) ? req.query.limit : req.query.limit * 4,
        clock.now(),
      );
      if (!orgWide(p)) {
        const scope = await patientScope(db, clock, p);
        const visible = await unitPatients(
          db,
          scope,
          found.flatMap((f) => f.fhirPatients),
        );
        found = found
          .filter((f) => f.fhirPatients.some((x) => visible.has(x) || scope.emergency.has(x)))
          .slice(0, req.query.limit);
      }
      audit(req, {
        action: 'search',
        outcome: 'success',
        resourceType: 'PatientProfile',
        resourceIds: found.map((f) => f.id),
        patientIds: [...found.flatMap((f) => f.fhirPatients), ...found.map((f) => f.id)],
        detail: `profile search (${found.length} found)`,
      });
      return { profiles: found };
    },
  );

  r.get(
    '/api/profiles/:id',
    {
      schema: {
        summary:
          'Patient 360: profile, contact points with consent, clinical summary (by role), timeline, sources and history',
        tags: TAGS,
        params: ProfileId,
        response: { 200: Patient360Schema },
      },
      config: READ,
    },
    async (req, reply) => {
      const opened = await openProfile(req, deps, req.params.id);
      if (opened.profile.status === 'merged' && opened.profile.mergedInto)
        return reply.redirect(`/api/profiles/${opened.profile.mergedInto}`, 308);
      const clinicalVisible = can(req.principal, 'clinical:read');
      const segmentsVisible = can(req.principal, 'segment:read') && deps.segmentMemberships;
      const [detail, resources, policy, segments] = await Promise.all([
        profileDetail(db, req.params.id),
        clinicalVisible
          ? deps.store.patientResources(opened.visiblePatients, [...SUMMARY_TYPES, 'Encounter'])
          : [],
        consentPolicy(db),
        segmentsVisible ? deps.segmentMemberships!(opened.visiblePatients) : null,
      ]);
      auditProfile(
        req,
        opened,
        'read',
        clinicalVisible ? 'patient 360 with clinical summary' : 'patient 360',
      );
      // A possible duplicate names the other profile only to a caller who may open it.
      const others = await visibleProfiles(
        req,
        deps,
        detail!.conflicts.flatMap((c) => (c.otherProfileId ? [c.otherProfileId] : [])),
      );
      const conflicts = detail!.conflicts.map((c) => ({
        ...c,
        otherProfileId: c.otherProfileId && others.has(c.otherProfileId) ? c.otherProfileId : null,
      }));
      return assemble360({
        detail: { ...detail!, records: visibleRecords(opened, detail!.records), conflicts },
        fhirPatients: opened.visiblePatients,
        resources,
        clinicalVisible,
        policy,
        at: clock.now(),
        segments,
      });
    },
  );

  r.get(
    '/api/profiles/:id/can-contact',
    {
      schema: {
        summary:
          'May we contact this person on a channel for a purpose and topic, and at which contact point?',
        tags: TAGS,
        params: ProfileId,
        querystring: CanContactQuery,
        response: { 200: ContactDecisionSchema },
      },
      config: READ,
    },
    async (req) => {
      const opened = await openProfile(req, deps, req.params.id);
      // Erased and restricted people get an answer (no, and why); a merged id names its survivor.
      if (opened.profile.status === 'merged') requireActive(opened);
      const ctx = await loadContactContext(db, req.params.id);
      const policy = await consentPolicy(db);
      const q = req.query;
      const d = canContact(
        ctx!,
        {
          channel: q.channel,
          purpose: q.purpose,
          topic: q.topic ?? null,
          at: q.at ? new Date(q.at) : clock.now(),
          clinical: q.clinical,
        },
        policy,
      );
      auditProfile(req, opened, 'read', `can-contact ${q.purpose} by ${q.channel}`);
      return d.allowed
        ? {
            allowed: true,
            reason: d.reason,
            basis: d.basis,
            contactPoint: d.contactPoint,
            consentId: d.consentId,
          }
        : { allowed: false, reason: d.detail, denyReason: d.reason, detail: d.detail };
    },
  );

  r.post(
    '/api/profiles/:id/split',
    {
      schema: {
        summary: 'Unmerge: move source records out into their own profile (never re-joined automatically)',
        tags: TAGS,
        params: ProfileId,
        body: SplitBody,
        response: { 200: z.object({ profileId: z.string(), newProfileId: z.string(), note: z.string() }) },
      },
      config: WRITE,
    },
    async (req) => {
      const opened = await openProfile(req, deps, req.params.id);
      const out = await db
        .transaction((c) =>
          splitProfile(c, req.params.id, req.body.recordIds, req.body.reason, {
            actor: actorOf(req),
            now: clock.now(),
          }),
        )
        .catch(problem);
      auditProfile(
        req,
        opened,
        'update',
        `split ${req.body.recordIds.length} record(s) into ${out.newProfileId}`,
        req.body.reason,
      );
      return {
        ...out,
        note: 'Consent history stayed with the original profile; check whether any of it belongs to the split-off person.',
      };
    },
  );

  r.post(
    '/api/profiles/merge',
    {
      schema: {
        summary:
          'Merge profiles a person has confirmed to be one patient (overriding a birth-date or gender disagreement, never two personnummer)',
        tags: TAGS,
        body: MergeBody,
        response: {
          200: z.object({
            profileId: z.string(),
            merged: z.array(z.string()),
            overrode: z
              .array(z.string())
              .describe('The disagreements between the records this decision overrode (also in the history)'),
          }),
        },
      },
      config: WRITE,
    },
    async (req) => {
      const opened = [];
      for (const id of req.body.profileIds) opened.push(await openProfile(req, deps, id));
      const out = await db
        .transaction((c) =>
          mergeProfiles(c, req.body.profileIds, req.body.reason, { actor: actorOf(req), now: clock.now() }),
        )
        .catch(problem);
      for (const o of opened) auditProfile(req, o, 'update', `merged into ${out.profileId}`, req.body.reason);
      return out;
    },
  );

  r.patch(
    '/api/profiles/:id/preferences',
    {
      schema: {
        summary: 'Set preferred language, channel, time zone and do-not-contact',
        tags: TAGS,
        params: ProfileId,
        body: PreferencesBody,
        response: { 204: z.null() },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const opened = await openProfile(req, deps, req.params.id);
      await db
        .transaction((c) =>
          setPreferences(c, req.params.id, req.body, { actor: actorOf(req), now: clock.now() }),
        )
        .catch(problem);
      auditProfile(req, opened, 'update', `preferences: ${Object.keys(req.body).join(', ')}`);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/profile-conflicts',
    {
      schema: {
        summary:
          'Possible duplicates unification refused to merge (two personnummer…), for a person to decide',
        tags: TAGS,
        response: { 200: z.object({ conflicts: z.array(ConflictSchema) }) },
      },
      config: { access: { permission: 'patient:all-units' as const } },
    },
    async (req) => {
      const rows = await db.query<{
        id: string;
        record_id: string;
        profile_id: string;
        other_profile: string | null;
        reason: string;
        at: Date;
      }>(
        `SELECT c.id, c.record_id, c.profile_id, c.reason, c.at,
           (SELECT p.id FROM patient_record r JOIN patient_profile p ON p.id = r.profile_id
            WHERE r.id = c.record_id AND p.status = 'active' AND p.id <> c.profile_id) AS other_profile
         FROM patient_match_conflict c WHERE c.resolved_at IS NULL ORDER BY c.at, c.id LIMIT 500`,
      );
      const others = await visibleProfiles(
        req,
        deps,
        rows.flatMap((x) => (x.other_profile ? [x.other_profile] : [])),
      );
      audit(req, {
        action: 'search',
        outcome: 'success',
        resourceType: 'PatientProfile',
        patientIds: [...new Set(rows.map((x) => x.profile_id))],
        detail: 'match conflicts',
      });
      return {
        conflicts: rows.map((x) => ({
          id: x.id,
          recordId: x.record_id,
          profileId: x.profile_id,
          otherProfileId: x.other_profile && others.has(x.other_profile) ? x.other_profile : null,
          reason: x.reason,
          at: new Date(x.at).toISOString(),
        })),
      };
    },
  );

  r.post(
    '/api/profile-conflicts/:id/resolve',
    {
      schema: {
        summary:
          'Decide a possible duplicate: the same person (merge) or different people (never match again)',
        tags: TAGS,
        params: z.object({ id: z.uuid() }),
        body: z.object({ decision: z.enum(['same-person', 'different-people']), reason: Reason }),
        response: { 200: z.object({ profileId: z.string() }) },
      },
      config: WRITE,
    },
    async (req) => {
      const [cf] = await db.query<{
        record_id: string;
        profile_id: string;
        record_profile: string | null;
        resolved_at: Date | null;
        resolution: string | null;
      }>(
        `SELECT c.record_id, c.profile_id, r.profile_id AS record_profile, c.resolved_at, c.resolution
         FROM patient_match_conflict c LEFT JOIN patient_record r ON r.id = c.record_id AND NOT r.deleted AND r.data IS NOT NULL
         WHERE c.id = $1`,
        [req.params.id],
      );
      if (!cf) throw new ProblemError(404, 'Not Found', `conflict ${req.params.id} does not exist`);
      if (cf.resolved_at)
        throw new ProblemError(
          409,
          'Conflict',
          `conflict ${req.params.id} was already resolved (${RESOLUTION_TEXT[cf.resolution ?? 'decided'] ?? cf.resolution}) at ${new Date(cf.resolved_at).toISOString()}; nothing is left to decide`,
        );
      const a = await openProfile(req, deps, cf.profile_id);
      // The other side too: resolving must not hand the caller a profile they cannot open.
      const b = cf.record_profile ? await openProfile(req, deps, cf.record_profile) : null;
      const now = clock.now();
      const actor = actorOf(req);
      const out = await db
        .transaction(async (c) => {
          let profileId = cf.profile_id;
          if (req.body.decision === 'same-person') {
            if (!cf.record_profile)
              throw new ProfileError(409, 'the record of this conflict no longer belongs to a profile');
            profileId = (
              await mergeProfiles(c, [cf.profile_id, cf.record_profile], req.body.reason, { actor, now })
            ).profileId;
          } else {
            await c.query(
              `INSERT INTO patient_no_match (record_a, record_b, created_at)
               SELECT least($1::uuid, r.id), greatest($1::uuid, r.id), $3 FROM patient_record r WHERE r.profile_id = $2
               ON CONFLICT DO NOTHING`,
              [cf.record_id, cf.profile_id, now],
            );
            await c.query(
              `DELETE FROM patient_same_person WHERE (record_a = $1 AND record_b IN (SELECT id FROM patient_record WHERE profile_id = $2))
                 OR (record_b = $1 AND record_a IN (SELECT id FROM patient_record WHERE profile_id = $2))`,
              [cf.record_id, cf.profile_id],
            );
          }
          await c.query(
            'UPDATE patient_match_conflict SET resolved_at = $2, resolved_by = $3, resolution = $4 WHERE id = $1',
            [req.params.id, now, actor, req.body.decision],
          );
          return { profileId };
        })
        .catch(problem);
      auditProfile(req, a, 'update', `conflict resolved: ${req.body.decision}`, req.body.reason);
      if (b) auditProfile(req, b, 'update', `conflict resolved: ${req.body.decision}`, req.body.reason);
      return out;
    },
  );
}
