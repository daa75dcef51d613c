import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../auth/audit/hooks.ts';
import type { Database } from '../db/database.ts';
import { readChanges } from './changes.ts';

export const ChangeSchema = z.object({
  seq: z.number().int().describe('Position in the feed; strictly increasing, in commit order'),
  resourceType: z.string(),
  id: z.string(),
  versionId: z.string(),
  patient: z.string().nullable().describe('Patient id of the compartment the resource belongs to'),
  operation: z.enum(['create', 'update', 'delete']),
  at: z.string().describe('When the change was written (ISO 8601)'),
});

export const ChangesQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Return changes with seq greater than this (your cursor)'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const ChangesPage = z.object({
  changes: z.array(ChangeSchema),
  next: z.number().int().describe('Pass as ?after= to continue; equals `after` when nothing new'),
});

export function registerChangeRoutes(app: FastifyInstance, db: Database): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/changes',
    {
      config: { access: { permission: 'changes:read' } },
      schema: {
        summary: 'Read the change feed by cursor',
        tags: ['changes'],
        querystring: ChangesQuery,
        response: { 200: ChangesPage },
      },
    },
    async (req) => {
      const changes = await readChanges(db, req.query.after, req.query.limit);
      // Which patients had data written is itself patient data.
      audit(req, {
        action: 'search',
        outcome: 'success',
        resourceType: 'Change',
        patientIds: [...new Set(changes.map((c) => c.patient).filter((p): p is string => p !== null))],
        detail: `changes after ${req.query.after}: ${changes.length}`,
      });
      return { changes, next: changes.length ? changes[changes.length - 1].seq : req.query.after };
    },
  );
}
