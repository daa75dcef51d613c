import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { patientScope } from '../../auth/access.ts';
import { audit } from '../../auth/audit/hooks.ts';
import { countHistory, currentMembers, readSegmentEvents } from '../membership.ts';
import {
  CountPoint,
  EventsQuery,
  MemberSchema,
  MembersQuery,
  SegmentEventSchema,
  SegmentIdParams,
} from '../schemas.ts';
import { visibilitySql } from '../scope.ts';
import { getSegment } from '../segment-store.ts';
import { labels, notFound, type SegmentRouteDeps, visibleOf } from './context.ts';

const READ = { access: { permission: 'segment:read' as const } };
const EXPORT = { access: { permission: 'segment:export' as const } };
const TAGS = ['segments'];

/** CSV cells that a spreadsheet would run as formulas are quoted with a leading apostrophe (OWASP CSV injection). */
export function csvCell(v: string | null | undefined): string {
  const s = v ?? '';
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",;\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function registerMemberRoutes(app: FastifyInstance, deps: SegmentRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  r.get(
    '/api/segments/:id/members',
    {
      schema: {
        summary: 'Current members, a page at a time (only those in care units the caller may see)',
        tags: TAGS,
        params: SegmentIdParams,
        querystring: MembersQuery,
        response: {
          200: z.object({
            members: z.array(MemberSchema),
            next: z.string().nullable().describe('Pass as `after` for the next page'),
            total: z.int().nullable(),
          }),
        },
      },
      config: READ,
    },
    async (req) => {
      const seg = (await getSegment(db, req.params.id)) ?? notFound(req.params.id);
      // Scoped in SQL, so the page (and its cursor) holds only patients the caller may see.
      const scope = visibilitySql('m.patient_id', await patientScope(db, deps.clock, req.principal!));
      const visible = await currentMembers(db, seg.id, {
        limit: req.query.limit,
        after: req.query.after,
        visible: scope,
      });
      const names = await labels(db, visible);
      const entered = new Map(
        (
          await db.query<{ patient_id: string; entered_at: Date }>(
            `SELECT patient_id, entered_at FROM segment_member WHERE segment_id = $1 AND exited_at IS NULL AND patient_id = ANY($2::text[])`,
            [seg.id, visible],
          )
        ).map((x) => [x.patient_id, new Date(x.entered_at).toISOString()]),
      );
      audit(req, {
        action: 'search',
        outcome: 'success',
        resourceType: 'Segment',
        resourceIds: [seg.id],
        patientIds: visible,
        detail: 'members',
      });
      return {
        members: visible.map((id) => ({
          patientId: id,
          profileId: names.get(id)?.profileId ?? null,
          name: names.get(id)?.name ?? null,
          birthDate: names.get(id)?.birthDate ?? null,
          enteredAt: entered.get(id) ?? new Date(0).toISOString(),
        })),
        next: visible.length === req.query.limit ? visible[visible.length - 1] : null,
        total: scope ? null : seg.memberCount,
      };
    },
  );

  r.get(
    '/api/segments/:id/export',
    {
      schema: {
        summary:
          'Export current members as CSV with contact data (audited; members outside the caller’s care units are left out)',
        tags: TAGS,
        params: SegmentIdParams,
      },
      config: EXPORT,
    },
    async (req, reply) => {
      const seg = (await getSegment(db, req.params.id)) ?? notFound(req.params.id);
      const lines = ['patient_id;profile_id;personnummer;name;birth_date;email;mobile;entered_at'];
      const exported: string[] = [];
      const scope = visibilitySql('m.patient_id', await patientScope(db, deps.clock, req.principal!));
      let after: string | undefined;
      for (;;) {
        const visible = await currentMembers(db, seg.id, { limit: 5000, after, visible: scope });
        if (visible.length === 0) break;
        after = visible[visible.length - 1];
        const names = await labels(db, visible);
        const rows = await db.query<{
          patient_id: string;
          entered_at: Date;
          email: string | null;
          sms: string | null;
        }>(
          `SELECT m.patient_id, m.entered_at,
             (SELECT c.value FROM patient_contact_point c WHERE c.profile_id = r.profile_id AND c.kind = 'email' AND c.status = 'active' ORDER BY c.preferred DESC, c.created_at LIMIT 1) AS email,
             (SELECT c.value FROM patient_contact_point c WHERE c.profile_id = r.profile_id AND c.kind = 'phone' AND c.mobile IS NOT FALSE AND c.status = 'active' ORDER BY c.preferred DESC, c.created_at LIMIT 1) AS sms
           FROM segment_member m
           LEFT JOIN patient_record r ON r.source = 'ehr' AND r.external_id = m.patient_id AND NOT r.deleted
           LEFT JOIN patient_profile p ON p.id = r.profile_id
           WHERE m.segment_id = $1 AND m.exited_at IS NULL AND m.patient_id = ANY($2::text[]) AND NOT COALESCE(p.restricted, false)
           ORDER BY m.patient_id`,
          [seg.id, visible],
        );
        for (const x of rows) {
          const n = names.get(x.patient_id);
          exported.push(x.patient_id);
          lines.push(
            [
              x.patient_id,
              n?.profileId,
              n?.personnummer,
              n?.name,
              n?.birthDate,
              x.email,
              x.sms,
              new Date(x.entered_at).toISOString(),
            ]
              .map(csvCell)
              .join(';'),
          );
        }
      }
      audit(req, {
        action: 'export',
        outcome: 'success',
        resourceType: 'Segment',
        resourceIds: [seg.id],
        patientIds: exported,
        detail: `members of "${seg.name}" (${exported.length})`,
      });
      const file = `${seg.name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'segment'}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${encodeURIComponent(file)}"`)
        .send(`\uFEFF${lines.join('\r\n')}\r\n`);
    },
  );

  r.get(
    '/api/segments/:id/history',
    {
      schema: {
        summary: 'Member counts over time, with how many entered and exited at each refresh',
        tags: TAGS,
        params: SegmentIdParams,
        response: { 200: z.object({ points: z.array(CountPoint) }) },
      },
      config: READ,
    },
    async (req) => {
      if (!(await getSegment(db, req.params.id))) notFound(req.params.id);
      return { points: await countHistory(db, req.params.id) };
    },
  );

  r.get(
    '/api/segments/events',
    {
      schema: {
        summary:
          'The enter/exit feed of segment membership, in order (journeys read it with their own cursor)',
        tags: TAGS,
        querystring: EventsQuery,
        response: { 200: z.object({ events: z.array(SegmentEventSchema), next: z.int() }) },
      },
      config: READ,
    },
    async (req) => {
      const events = await readSegmentEvents(db, req.query.after, req.query.limit, req.query.segment);
      // The cursor moves past events the caller may not see, so a care-unit role pages through the same feed.
      const visible = new Set(await visibleOf(req, deps, [...new Set(events.map((e) => e.patientId))]));
      const shown = events.filter((e) => visible.has(e.patientId));
      if (shown.length)
        audit(req, {
          action: 'search',
          outcome: 'success',
          resourceType: 'Segment',
          resourceIds: [...new Set(shown.map((e) => e.segmentId))],
          patientIds: [...new Set(shown.map((e) => e.patientId))],
          detail: 'segment enter/exit events',
        });
      return {
        events: shown,
        next: events.length ? events[events.length - 1].seq : req.query.after,
      };
    },
  );
}
