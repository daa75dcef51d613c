import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../auth/audit/hooks.ts';
import { inTransaction } from '../../db/client.ts';
import { ProblemError } from '../../http/errors.ts';
import { checkOptIn, createOptInToken, hashOptInToken } from '../consent/opt-in.ts';
import { parseReplyKeyword } from '../consent/stop-words.ts';
import { consentHistory, insertConsentEvents, newConsentId } from '../consent-store.ts';
import { addContactPoint, patchContactPoint, profileOfPoint, recordFailure } from '../contact-points.ts';
import { normaliseEmail, normalisePhone } from '../match/normalise.ts';
import type { ConsentEvent } from '../model.ts';
import {
  ConsentBody,
  ConsentEventSchema,
  ContactPointPatch,
  ContactPointSchema,
  FailureBody,
  NewContactPointBody,
  ObjectionBody,
  OptInBody,
  OptInResult,
  ProfileId,
} from '../schemas.ts';
import { consentPolicy } from '../settings.ts';
import { actorOf, auditProfile, openProfile, type PatientRouteDeps, problem } from './context.ts';

const READ = { access: { permission: 'patient:read' as const } };
const WRITE = { access: { permission: 'patient:write' as const } };
const TAGS = ['consent'];

export function registerConsentRoutes(app: FastifyInstance, deps: PatientRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock } = deps;
  // What is recorded on a merged or erased profile is lost: nobody reads it again.
  // A consent dated in the future would silently override every "no" said before that date.
  const effective = (at: string | undefined, now: Date): string => {
    if (!at) return now.toISOString();
    const t = new Date(at);
    if (t.getTime() > now.getTime() + 5 * 60_000)
      throw new ProblemError(
        422,
        'Unprocessable Content',
        `at: ${at} is in the future; give the time the patient said it (now or earlier)`,
      );
    return t.toISOString();
  };
  const openActive = async (req: FastifyRequest, id: string) => {
    const opened = await openProfile(req, deps, id);
    const { status, mergedInto } = opened.profile;
    if (status === 'merged')
      throw new ProblemError(
        409,
        'Conflict',
        `profile ${id} was merged into ${mergedInto}; act on that profile instead`,
      );
    if (status === 'erased')
      throw new ProblemError(
        410,
        'Gone',
        `profile ${id} was erased (GDPR art. 17); nothing more is recorded about this person`,
      );
    return opened;
  };

  r.get(
    '/api/profiles/:id/consents',
    {
      schema: {
        summary: 'Consent history with evidence',
        tags: TAGS,
        params: ProfileId,
        response: { 200: z.object({ events: z.array(ConsentEventSchema) }) },
      },
      config: READ,
    },
    async (req) => {
      const opened = await openProfile(req, deps, req.params.id);
      auditProfile(req, opened, 'read', 'consent history');
      return { events: await consentHistory(db, req.params.id) };
    },
  );

  r.post(
    '/api/profiles/:id/consents',
    {
      schema: {
        summary: 'Record a consent given or withdrawn (staff entry, form, or evidence from elsewhere)',
        tags: TAGS,
        params: ProfileId,
        body: ConsentBody,
        response: { 201: ConsentEventSchema },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const opened = await openActive(req, req.params.id);
      const b = req.body;
      const policy = await consentPolicy(db);
      if (b.topic !== null && !policy.topics.some((t) => t.id === b.topic))
        throw new ProblemError(
          422,
          'Unprocessable Content',
          `topic: '${b.topic}' is not a topic of the consent policy; use one of ${policy.topics.map((t) => t.id).join(', ')} or null for every topic`,
        );
      const now = clock.now();
      const actor = actorOf(req);
      const event: ConsentEvent = {
        id: newConsentId(),
        profileId: req.params.id,
        channel: b.channel,
        contactValue: b.contactValue,
        purpose: b.purpose,
        topic: b.topic,
        state: b.state,
        objection: false,
        source: b.evidence?.kind === 'form' ? 'form' : 'staff',
        actor,
        evidence: b.evidence ?? { kind: 'staff', note: b.note ?? '' },
        at: effective(b.at, now),
        recordedAt: now.toISOString(),
      };
      if (event.evidence.kind === 'staff' && event.evidence.note.trim().length < 3)
        throw new ProblemError(
          422,
          'Unprocessable Content',
          'note: say how the patient gave or withdrew consent (at least 3 characters), or send evidence',
        );
      await insertConsentEvents(db, [event]);
      auditProfile(
        req,
        opened,
        'update',
        `consent ${b.state}: ${b.purpose}/${b.channel ?? 'all'}/${b.topic ?? 'all'}`,
      );
      return reply.status(201).send(event);
    },
  );

  r.post(
    '/api/profiles/:id/objection',
    {
      schema: {
        summary:
          'Objection to direct marketing (GDPR art. 21): stops outreach on every channel and topic at once',
        tags: TAGS,
        params: ProfileId,
        body: ObjectionBody,
        response: { 201: ConsentEventSchema },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const opened = await openActive(req, req.params.id);
      const now = clock.now();
      const event: ConsentEvent = {
        id: newConsentId(),
        profileId: req.params.id,
        channel: null,
        contactValue: null,
        purpose: 'outreach',
        topic: null,
        state: 'withdrawn',
        objection: true,
        source: 'staff',
        actor: actorOf(req),
        evidence: { kind: 'staff', note: req.body.note },
        at: effective(req.body.at, now),
        recordedAt: now.toISOString(),
      };
      await insertConsentEvents(db, [event]);
      auditProfile(req, opened, 'update', 'objection to direct marketing (art. 21)');
      return reply.status(201).send(event);
    },
  );

  r.post(
    '/api/profiles/:id/opt-in',
    {
      schema: {
        summary:
          'Start a double opt-in for e-mail: a pending consent and a confirmation link (valid 72 h) to send',
        tags: TAGS,
        params: ProfileId,
        body: OptInBody,
        response: { 201: OptInResult },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const opened = await openActive(req, req.params.id);
      const email = normaliseEmail(req.body.email);
      if (!email.ok) throw new ProblemError(422, 'Unprocessable Content', `email: ${email.error}`);
      const now = clock.now();
      const token = createOptInToken(now);
      const pending: ConsentEvent = {
        id: newConsentId(),
        profileId: req.params.id,
        channel: 'email',
        contactValue: email.value,
        purpose: req.body.purpose,
        topic: req.body.topic,
        state: 'pending',
        objection: false,
        source: 'staff',
        actor: actorOf(req),
        evidence: { kind: 'staff', note: `double opt-in started for ${email.value}` },
        at: now.toISOString(),
        recordedAt: now.toISOString(),
        // After this the consent summary says expired, not pending: staff know to send a new link.
        expiresAt: token.expiresAt,
      };
      await db.transaction(async (c) => {
        const q = inTransaction(c);
        await insertConsentEvents(q, [pending]);
        await c.query(
          `INSERT INTO patient_opt_in (token_hash, profile_id, email, purpose, topic, pending_consent, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            token.hash,
            req.params.id,
            email.value,
            req.body.purpose,
            req.body.topic,
            pending.id,
            now,
            token.expiresAt,
          ],
        );
      });
      auditProfile(
        req,
        opened,
        'update',
        `double opt-in started (${req.body.purpose}/${req.body.topic ?? 'all'})`,
      );
      const base = deps.baseUrl ?? `${req.protocol}://${req.host}`;
      return reply.status(201).send({
        consentId: pending.id,
        expiresAt: token.expiresAt,
        confirmUrl: `${base}/confirm/${token.token}`,
      });
    },
  );

  const OptInParams = z.object({ token: z.string().min(20).max(100) });
  const OptInStatus = z.object({
    state: z.enum(['pending', 'confirmed', 'expired']),
    email: z.string().describe('Masked: a***@example.com'),
    purpose: z.string(),
    topic: z.string().nullable(),
    expiresAt: z.string(),
  });
  const loadOptIn = async (token: string) => {
    const [row] = await db.query<{
      token_hash: string;
      profile_id: string;
      email: string;
      purpose: 'care' | 'outreach' | 'tracking';
      topic: string | null;
      expires_at: Date;
      confirmed_at: Date | null;
    }>('SELECT * FROM patient_opt_in WHERE token_hash = $1', [hashOptInToken(token)]);
    if (!row)
      throw new ProblemError(404, 'Not Found', 'this confirmation link is not valid; ask for a new one');
    return row;
  };
  const mask = (e: string) => e.replace(/^(.)[^@]*/, '$1***');

  // Public: the patient opens the link. GET only shows; confirming is a POST so
  // mail scanners that prefetch links do not confirm on the patient's behalf.
  r.get(
    '/api/opt-in/:token',
    {
      schema: {
        summary: 'What a confirmation link would confirm (public)',
        tags: TAGS,
        params: OptInParams,
        response: { 200: OptInStatus },
      },
      config: { access: { public: true } },
    },
    async (req) => {
      const row = await loadOptIn(req.params.token);
      const check = checkOptIn(
        {
          expiresAt: new Date(row.expires_at).toISOString(),
          confirmedAt: row.confirmed_at ? new Date(row.confirmed_at).toISOString() : null,
        },
        clock.now(),
      );
      return {
        state: check.ok
          ? ('pending' as const)
          : check.reason === 'expired'
            ? ('expired' as const)
            : ('confirmed' as const),
        email: mask(row.email),
        purpose: row.purpose,
        topic: row.topic,
        expiresAt: new Date(row.expires_at).toISOString(),
      };
    },
  );

  r.post(
    '/api/opt-in/:token',
    {
      schema: {
        summary: 'Confirm an e-mail opt-in (public)',
        tags: TAGS,
        params: OptInParams,
        response: { 200: OptInStatus },
      },
      config: { access: { public: true } },
    },
    async (req) => {
      const now = clock.now();
      const out = await db.transaction(async (c) => {
        const { rows } = await c.query<{
          profile_id: string;
          email: string;
          purpose: 'care' | 'outreach' | 'tracking';
          topic: string | null;
          expires_at: Date;
          confirmed_at: Date | null;
        }>('SELECT * FROM patient_opt_in WHERE token_hash = $1 FOR UPDATE', [
          hashOptInToken(req.params.token),
        ]);
        const row = rows[0];
        if (!row)
          throw new ProblemError(404, 'Not Found', 'this confirmation link is not valid; ask for a new one');
        const check = checkOptIn(
          {
            expiresAt: new Date(row.expires_at).toISOString(),
            confirmedAt: row.confirmed_at ? new Date(row.confirmed_at).toISOString() : null,
          },
          now,
        );
        if (!check.ok && check.reason === 'expired') throw new ProblemError(410, 'Gone', check.detail);
        if (check.ok) {
          await c.query('UPDATE patient_opt_in SET confirmed_at = $2 WHERE token_hash = $1', [
            hashOptInToken(req.params.token),
            now,
          ]);
          const q = inTransaction(c);
          await insertConsentEvents(q, [
            {
              id: newConsentId(),
              profileId: row.profile_id,
              channel: 'email',
              contactValue: row.email,
              purpose: row.purpose,
              topic: row.topic,
              state: 'granted',
              objection: false,
              source: 'patient',
              actor: 'patient',
              evidence: { kind: 'double-opt-in', confirmedAt: now.toISOString(), ip: req.ip },
              at: now.toISOString(),
              recordedAt: now.toISOString(),
            },
          ]);
          // Verified: the patient proved they read this mailbox. An address given only for
          // the opt-in becomes a contact point, or the consent would have nowhere to apply.
          await c.query(
            `INSERT INTO patient_contact_point (id, profile_id, kind, value, display, sources, verified_at, created_at, updated_at)
             VALUES (gen_random_uuid(), $1, 'email', $2, $2, ARRAY['manual'], $3, $3, $3)
             ON CONFLICT (profile_id, kind, value) DO UPDATE SET
               verified_at = coalesce(patient_contact_point.verified_at, $3), updated_at = $3`,
            [row.profile_id, row.email, now],
          );
        }
        return row;
      });
      // The patient changed their own consent: on the record like any other change.
      audit(req, {
        action: 'update',
        outcome: 'success',
        resourceType: 'PatientProfile',
        resourceIds: [out.profile_id],
        patientIds: [out.profile_id],
        purpose: 'patient confirmed an e-mail opt-in',
        detail: `opt-in confirmation (${out.purpose}/${out.topic ?? 'all'})`,
      });
      return {
        state: 'confirmed' as const,
        email: mask(out.email),
        purpose: out.purpose,
        topic: out.topic,
        expiresAt: new Date(out.expires_at).toISOString(),
      };
    },
  );

  r.post(
    '/api/consent/replies',
    {
      schema: {
        summary:
          'An inbound reply ("STOPP", "STOP", "AVSLUTA"): withdraws outreach on that channel for every profile with that number or address',
        tags: TAGS,
        body: z.object({
          channel: z.enum(['sms', 'email']),
          from: z.string().min(3).max(320),
          text: z.string().max(2000),
        }),
        response: {
          200: z.object({
            keyword: z.enum(['stop', 'start']).nullable(),
            withdrawn: z.number().describe('Profiles whose outreach on this channel was withdrawn'),
          }),
        },
      },
      // Replies come from the channel providers an integration administrator configures; a count,
      // not profile ids, so the answer does not tell who is a patient here.
      config: { access: { permission: 'channel:manage' as const } },
    },
    async (req) => {
      const b = req.body;
      const keyword = parseReplyKeyword(b.text);
      const norm = b.channel === 'sms' ? normalisePhone(b.from) : normaliseEmail(b.from);
      if (!norm.ok) throw new ProblemError(422, 'Unprocessable Content', `from: ${norm.error}`);
      if (keyword !== 'stop') return { keyword, withdrawn: 0 };
      const rows = await db.query<{ profile_id: string }>(
        `SELECT DISTINCT c.profile_id FROM patient_contact_point c JOIN patient_profile p ON p.id = c.profile_id
         WHERE c.kind = $1 AND c.value = $2 AND p.status = 'active'`,
        [b.channel === 'sms' ? 'phone' : 'email', norm.value],
      );
      const now = clock.now().toISOString();
      await insertConsentEvents(
        db,
        rows.map((x) => ({
          id: newConsentId(),
          profileId: x.profile_id,
          channel: b.channel,
          contactValue: norm.value,
          purpose: 'outreach' as const,
          topic: null,
          state: 'withdrawn' as const,
          objection: false,
          source: 'reply',
          actor: actorOf(req),
          evidence: { kind: 'reply' as const, channel: b.channel, from: norm.value, text: b.text },
          at: now,
          recordedAt: now,
        })),
      );
      audit(req, {
        action: 'update',
        outcome: 'success',
        resourceType: 'PatientProfile',
        resourceIds: rows.map((x) => x.profile_id),
        patientIds: rows.map((x) => x.profile_id),
        detail: `reply ${keyword} on ${b.channel}`,
      });
      return { keyword, withdrawn: rows.length };
    },
  );

  r.post(
    '/api/profiles/:id/contact-points',
    {
      schema: {
        summary: 'Add a contact point by hand',
        tags: TAGS,
        params: ProfileId,
        body: NewContactPointBody,
        response: { 201: ContactPointSchema },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const opened = await openActive(req, req.params.id);
      const point = await db
        .transaction((c) => addContactPoint(c, req.params.id, req.body, clock.now()))
        .catch(problem);
      auditProfile(req, opened, 'update', `contact point added (${req.body.kind})`);
      return reply.status(201).send(point);
    },
  );

  // A contact point is as visible as the profile that holds it.
  const openPointOwner = async (req: FastifyRequest, pointId: string) => {
    const owner = await profileOfPoint(db, pointId);
    if (!owner) throw new ProblemError(404, 'Not Found', `contact point ${pointId} does not exist`);
    return openProfile(req, deps, owner);
  };

  r.patch(
    '/api/contact-points/:id',
    {
      schema: {
        summary: 'Verify a contact point, mark it the patient’s own or preferred, or change its status',
        tags: TAGS,
        params: z.object({ id: z.uuid() }),
        body: ContactPointPatch,
        response: { 200: ContactPointSchema },
      },
      config: WRITE,
    },
    async (req) => {
      const opened = await openPointOwner(req, req.params.id);
      const point = await db
        .transaction((c) => patchContactPoint(c, req.params.id, req.body, clock.now()))
        .catch(problem);
      auditProfile(
        req,
        opened,
        'update',
        `contact point ${point.kind} changed: ${Object.keys(req.body).join(', ')}`,
      );
      return point;
    },
  );

  r.post(
    '/api/contact-points/:id/failures',
    {
      schema: {
        summary:
          'Record a bounce, delivery failure or complaint (three hard bounces mark the point bouncing)',
        tags: TAGS,
        params: z.object({ id: z.uuid() }),
        body: FailureBody,
        response: { 200: ContactPointSchema },
      },
      config: WRITE,
    },
    async (req) => {
      const opened = await openPointOwner(req, req.params.id);
      const at = req.body.at ? new Date(req.body.at) : clock.now();
      const point = await db
        .transaction((c) => recordFailure(c, req.params.id, req.body.kind, req.body.detail, at))
        .catch(problem);
      auditProfile(req, opened, 'update', `contact point ${req.body.kind}`);
      return point;
    },
  );
}
