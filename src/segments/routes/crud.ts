import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../auth/audit/hooks.ts';
import { ProblemError } from '../../http/errors.ts';
import {
  DefinitionSchema,
  FromTemplateBody,
  MembershipChangeSchema,
  SegmentIdParams,
  SegmentInput,
  SegmentSchema,
  SegmentUpdate,
  TemplateSchema,
} from '../schemas.ts';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  type SegmentInput as StoredInput,
  segmentsUsing,
  segmentVersions,
  updateSegment,
} from '../segment-store.ts';
import { TEMPLATES, templateToSegment } from '../templates.ts';
import { actorOf, notFound, problem, type SegmentRouteDeps } from './context.ts';

const READ = { access: { permission: 'segment:read' as const } };
const WRITE = { access: { permission: 'segment:write' as const } };
const TAGS = ['segments'];

export function registerSegmentCrud(app: FastifyInstance, deps: SegmentRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock, segments } = deps;

  r.get(
    '/api/segments',
    {
      schema: {
        summary: 'List segments',
        tags: TAGS,
        response: { 200: z.object({ segments: z.array(SegmentSchema) }) },
      },
      config: READ,
    },
    async () => ({ segments: await listSegments(db) }),
  );

  r.get(
    '/api/segments/templates',
    {
      schema: {
        summary: 'Ready segments for Swedish primary and specialist care, with codes and guidelines',
        tags: TAGS,
        response: { 200: z.object({ templates: z.array(TemplateSchema) }) },
      },
      config: READ,
    },
    async () => ({
      templates: TEMPLATES.map((t) => ({ ...t, codes: t.codes.map((c) => ({ ...c, codes: [...c.codes] })) })),
    }),
  );

  const create = async (req: FastifyRequest, input: StoredInput) => {
    try {
      await segments.check(input.definition);
    } catch (err) {
      problem(err);
    }
    const rec = await createSegment(db, input, actorOf(req), clock.now());
    // A new segment has members at once: the list and the chart start from its first count.
    // If that fails, the segment was never made: no half-saved segment waits for the scheduler.
    let change: Awaited<ReturnType<typeof segments.refresh>>;
    try {
      change = await segments.refresh(rec);
    } catch (err) {
      await db.query('DELETE FROM segment_version WHERE segment_id = $1', [rec.id]);
      await db.query('DELETE FROM segment_definition WHERE id = $1', [rec.id]);
      problem(err);
    }
    audit(req, {
      action: 'create',
      outcome: 'success',
      resourceType: 'Segment',
      resourceIds: [rec.id],
      detail: rec.name,
    });
    return { ...(await getSegment(db, rec.id))!, change };
  };

  r.post(
    '/api/segments',
    {
      schema: {
        summary: 'Save a segment (dynamic, or static: frozen at this moment) and compute its members',
        tags: TAGS,
        body: SegmentInput,
        response: { 201: SegmentSchema.extend({ change: MembershipChangeSchema }) },
      },
      config: WRITE,
    },
    async (req, reply) => reply.code(201).send(await create(req, req.body)),
  );

  r.post(
    '/api/segments/from-template',
    {
      schema: {
        summary: 'Copy a template into a new, editable segment',
        tags: TAGS,
        body: FromTemplateBody,
        response: { 201: SegmentSchema.extend({ change: MembershipChangeSchema }) },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const copy = templateToSegment(req.body.template, req.body.lang);
      if (!copy)
        throw new ProblemError(
          404,
          'Not Found',
          `no template "${req.body.template}"; GET /api/segments/templates lists them`,
        );
      const input = {
        name: req.body.name ?? copy.name,
        description: copy.description,
        kind: 'dynamic' as const,
        definition: copy.definition,
        template: req.body.template,
      };
      return reply.code(201).send(await create(req, input));
    },
  );

  r.get(
    '/api/segments/:id',
    {
      schema: {
        summary: 'A segment and its definition',
        tags: TAGS,
        params: SegmentIdParams,
        response: { 200: SegmentSchema },
      },
      config: READ,
    },
    async (req) => (await getSegment(db, req.params.id)) ?? notFound(req.params.id),
  );

  r.put(
    '/api/segments/:id',
    {
      schema: {
        summary: 'Save a new version of a segment (send the version you edited)',
        tags: TAGS,
        params: SegmentIdParams,
        body: SegmentUpdate,
        response: { 200: SegmentSchema.extend({ change: MembershipChangeSchema.nullable() }) },
      },
      config: WRITE,
    },
    async (req) => {
      const { version, ...input } = req.body;
      try {
        await segments.check(input.definition, req.params.id);
        const rec = await updateSegment(db, req.params.id, input, version, actorOf(req), clock.now());
        if (!rec) notFound(req.params.id);
        const change = rec.version !== version && rec.kind === 'dynamic' ? await segments.refresh(rec) : null;
        audit(req, {
          action: 'update',
          outcome: 'success',
          resourceType: 'Segment',
          resourceIds: [rec.id],
          detail: `version ${rec.version}`,
        });
        return { ...(await getSegment(db, rec.id))!, change };
      } catch (err) {
        problem(err);
      }
    },
  );

  r.post(
    '/api/segments/:id/duplicate',
    {
      schema: {
        summary: 'Copy a segment into a new dynamic segment named "… (copy)"',
        tags: TAGS,
        params: SegmentIdParams,
        response: { 201: SegmentSchema.extend({ change: MembershipChangeSchema }) },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const src = (await getSegment(db, req.params.id)) ?? notFound(req.params.id);
      return reply.code(201).send(
        await create(req, {
          name: `${src.name} (copy)`,
          description: src.description,
          kind: 'dynamic',
          definition: structuredClone(src.definition),
          refreshMinutes: src.refreshMinutes ?? undefined,
          template: src.template ?? undefined,
        }),
      );
    },
  );

  r.delete(
    '/api/segments/:id',
    {
      schema: {
        summary: 'Delete a segment (refused while other segments nest it)',
        tags: TAGS,
        params: SegmentIdParams,
      },
      config: WRITE,
    },
    async (req, reply) => {
      const users = await segmentsUsing(db, req.params.id);
      if (users.length > 0)
        throw new ProblemError(
          409,
          'Conflict',
          `segment ${req.params.id} is used by ${users.map((u) => `"${u.name}"`).join(', ')}; remove it from those first`,
        );
      if (!(await deleteSegment(db, req.params.id, clock.now()))) notFound(req.params.id);
      audit(req, {
        action: 'delete',
        outcome: 'success',
        resourceType: 'Segment',
        resourceIds: [req.params.id],
      });
      return reply.code(204).send();
    },
  );

  r.get(
    '/api/segments/:id/versions',
    {
      schema: {
        summary: 'Every saved version of a segment’s definition',
        tags: TAGS,
        params: SegmentIdParams,
        response: {
          200: z.object({
            versions: z.array(
              z.object({
                version: z.int(),
                definition: DefinitionSchema,
                createdBy: z.string(),
                createdAt: z.string(),
              }),
            ),
          }),
        },
      },
      config: READ,
    },
    async (req) => {
      if (!(await getSegment(db, req.params.id))) notFound(req.params.id);
      return { versions: await segmentVersions(db, req.params.id) };
    },
  );

  r.post(
    '/api/segments/:id/refresh',
    {
      schema: {
        summary: 'Recompute a segment’s members now (static segments: freeze again at this moment)',
        tags: TAGS,
        params: SegmentIdParams,
        response: { 200: MembershipChangeSchema },
      },
      config: WRITE,
    },
    async (req) => {
      const rec = (await getSegment(db, req.params.id)) ?? notFound(req.params.id);
      try {
        const change = await segments.refresh(rec);
        audit(req, {
          action: 'update',
          outcome: 'success',
          resourceType: 'Segment',
          resourceIds: [rec.id],
          detail: 'refresh',
        });
        return change;
      } catch (err) {
        problem(err);
      }
    },
  );
}
