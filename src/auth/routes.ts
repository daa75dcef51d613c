import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { ProblemError } from '../http/errors.ts';
import { ROLES } from './roles.ts';
import { createToken, listTokens, revokeToken, TokenError } from './tokens.ts';

export const TokenInfoSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const CreateTokenBody = z.object({
  name: z.string().min(1).describe('Who or what uses the token'),
  role: z.enum(ROLES),
  expiresAt: z
    .string()
    .datetime()
    .optional()
    .describe('ISO 8601 instant after which the token stops working'),
});

export function registerTokenRoutes(app: FastifyInstance, db: Database, clock: Clock): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const adminOnly = async (req: { principal?: { role: string } }) => {
    if (req.principal?.role !== 'admin')
      throw new ProblemError(403, 'Forbidden', 'managing tokens needs the admin role');
  };
  r.get(
    '/api/tokens',
    {
      schema: {
        summary: 'List API tokens (never their secrets)',
        tags: ['auth'],
        response: { 200: z.array(TokenInfoSchema) },
      },
      preHandler: adminOnly,
    },
    async () => listTokens(db),
  );
  r.post(
    '/api/tokens',
    {
      schema: {
        summary: 'Create an API token; the secret is returned once',
        tags: ['auth'],
        body: CreateTokenBody,
        response: { 201: z.object({ id: z.string(), token: z.string() }) },
      },
      preHandler: adminOnly,
    },
    async (req, reply) => {
      try {
        const created = await createToken(db, clock, {
          ...req.body,
          expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : undefined,
        });
        return reply.status(201).send(created);
      } catch (err) {
        if (err instanceof TokenError) throw new ProblemError(400, 'Bad Request', err.message);
        throw err;
      }
    },
  );
  r.delete(
    '/api/tokens/:id',
    {
      schema: { summary: 'Revoke an API token', tags: ['auth'], params: z.object({ id: z.string().uuid() }) },
      preHandler: adminOnly,
    },
    async (req, reply) => {
      if (!(await revokeToken(db, clock, req.params.id)))
        throw new ProblemError(404, 'Not Found', `no active token with id ${req.params.id}`);
      return reply.status(204).send();
    },
  );
}
