import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../auth/audit/hooks.ts';
import { createList, identifiersFromCsv, listLists } from '../lists.ts';
import { ListBody, ListSchema, ListSummary } from '../schemas.ts';
import { actorOf, problem, type SegmentRouteDeps } from './context.ts';

const READ = { access: { permission: 'segment:read' as const } };
const WRITE = { access: { permission: 'segment:write' as const } };
const TAGS = ['segments'];

export function registerListRoutes(app: FastifyInstance, deps: SegmentRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock, segments } = deps;

  r.get(
    '/api/segment-lists',
    {
      schema: {
        summary: 'Static lists of people',
        tags: TAGS,
        response: { 200: z.object({ lists: z.array(ListSummary) }) },
      },
      config: READ,
    },
    async () => ({ lists: await listLists(db) }),
  );

  r.post(
    '/api/segment-lists',
    {
      schema: {
        summary: 'Upload a static list (up to 200,000 personnummer or patient ids) to use as a segment rule',
        description:
          'Send either `identifiers` or `csv` (the first column; a header line is skipped). Unmatched lines are reported (first 100) and left out.',
        tags: TAGS,
        body: ListBody,
        response: { 201: ListSchema },
      },
      config: WRITE,
    },
    async (req, reply) => {
      const identifiers = req.body.identifiers ?? identifiersFromCsv(req.body.csv ?? '');
      try {
        await segments.sync();
        const result = await createList(db, { name: req.body.name, identifiers }, actorOf(req), clock.now());
        audit(req, {
          action: 'create',
          outcome: 'success',
          resourceType: 'SegmentList',
          resourceIds: [result.id],
          detail: `${result.size} people`,
        });
        return reply.code(201).send(result);
      } catch (err) {
        problem(err);
      }
    },
  );
}
