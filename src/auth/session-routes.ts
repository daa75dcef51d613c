import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError } from '../http/errors.ts';
import { audit } from './audit/hooks.ts';
import { listCareUnits } from './care-units.ts';
import { passwordProblem, verifyPassword } from './passwords.ts';
import { type AuthContext, userPrincipalFor } from './plugin.ts';
import { MeSchema } from './schemas.ts';
import { createSession, endSession, SESSION_COOKIE } from './sessions.ts';
import { signIn } from './signin.ts';
import { completeSetup, countUsers, createUser, hashSecret, setPassword, UserError } from './users.ts';

export interface OidcInfo {
  enabled: boolean;
  label: string;
}

const origin = (req: FastifyRequest) => ({ ip: req.ip, client: req.headers['user-agent'] ?? null });

/** Secure cookies behind TLS (directly or through a proxy that says so). */
export function setSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  value: string,
  expires: Date,
): void {
  void reply.setCookie(SESSION_COOKIE, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.protocol === 'https',
    expires,
  });
}

/** A new password session: the cookie, and this request now acts as the signed-in user. */
async function startSession(ctx: AuthContext, req: FastifyRequest, reply: FastifyReply, userId: string) {
  const { cookie, session } = await createSession(
    ctx.db,
    ctx.clock,
    ctx.sessions,
    userId,
    'password',
    origin(req),
  );
  setSessionCookie(req, reply, cookie, session.expiresAt);
  req.csrfToken = session.csrfToken;
  req.sessionIdHash = session.idHash;
  const principal = await userPrincipalFor(ctx, userId, 'password');
  if (!principal) throw new ProblemError(401, 'Unauthorized', 'this account cannot sign in');
  req.principal = { ...principal, sessionId: session.idHash };
}

export async function me(ctx: AuthContext, req: FastifyRequest): Promise<z.infer<typeof MeSchema>> {
  const p = req.principal!;
  const role = await ctx.roles.get(p.role);
  const units = await listCareUnits(ctx.db);
  const session = req.sessionIdHash
    ? await ctx.db.kysely
        .selectFrom('user_session')
        .select(['expires_at'])
        .where('id_hash', '=', req.sessionIdHash)
        .executeTakeFirst()
    : undefined;
  return {
    id: p.actorId,
    email: p.actorName,
    name: p.userId
      ? ((
          await ctx.db.kysely
            .selectFrom('app_user')
            .select('name')
            .where('id', '=', p.userId)
            .executeTakeFirst()
        )?.name ?? p.actorName)
      : p.actorName,
    role: p.role,
    roleLabel: role?.label ?? { en: p.role, sv: p.role },
    permissions: [...p.permissions].sort(),
    careUnits: units.filter((u) => p.careUnits.includes(u.id)).map((u) => ({ id: u.id, name: u.name })),
    orgWide: p.permissions.has('patient:all-units'),
    method: p.method === 'local-cli' ? 'token' : p.method,
    csrfToken: req.csrfToken ?? null,
    expiresAt: session ? new Date(session.expires_at).toISOString() : null,
  };
}

export function registerSessionRoutes(app: FastifyInstance, ctx: AuthContext, oidc: () => OidcInfo): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  r.get(
    '/api/auth/providers',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'How users can sign in',
        tags,
        security: [],
        response: {
          200: z.object({ local: z.boolean(), oidc: z.object({ enabled: z.boolean(), label: z.string() }) }),
        },
      },
    },
    async () => ({ local: true, oidc: oidc() }),
  );

  r.post(
    '/api/auth/login',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Sign in with e-mail and password; sets the session cookie',
        tags,
        security: [],
        body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
        response: { 200: MeSchema },
      },
    },
    async (req, reply) => {
      const result = await signIn(ctx.db, ctx.clock, req.body.email, req.body.password, req.ip);
      const fail = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => {
        audit(req, { action: 'sign-in-failed', outcome: 'denied', detail: `${req.body.email}: ${detail}` });
        return new ProblemError(status, title, detail, extra);
      };
      switch (result.kind) {
        case 'ok': {
          await startSession(ctx, req, reply, result.userId);
          audit(req, { action: 'sign-in', outcome: 'success', detail: 'password' });
          return me(ctx, req);
        }
        case 'wrong':
          throw fail(401, 'Unauthorized', 'the e-mail or password is wrong');
        case 'disabled':
          throw fail(401, 'Unauthorized', 'this account is disabled; ask an administrator');
        case 'locked':
          throw fail(
            423,
            'Locked',
            `too many wrong passwords; the account is locked until ${result.until.toISOString()}`,
            {
              lockedUntil: result.until.toISOString(),
            },
          );
        case 'throttled':
          void reply.header('Retry-After', String(result.retryAfterS));
          throw fail(
            429,
            'Too Many Requests',
            `too many failed sign-ins from this address; try again in ${result.retryAfterS} s`,
          );
        default: {
          const never: never = result;
          throw never;
        }
      }
    },
  );

  r.post(
    '/api/auth/logout',
    { config: { access: { signedIn: true } }, schema: { summary: 'End the session', tags } },
    async (req, reply) => {
      if (req.sessionIdHash) await endSession(ctx.db, ctx.clock, req.sessionIdHash);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      audit(req, { action: 'sign-out', outcome: 'success' });
      return reply.status(204).send();
    },
  );

  r.get(
    '/api/auth/me',
    {
      config: { access: { signedIn: true } },
      schema: {
        summary: 'Who is signed in: role, permissions, care units, CSRF token',
        tags,
        response: { 200: MeSchema },
      },
    },
    async (req) => me(ctx, req),
  );

  r.post(
    '/api/auth/password',
    {
      config: { access: { signedIn: true } },
      schema: {
        summary: 'Change one’s own password (ends one’s other sessions)',
        tags,
        body: z.object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) }),
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      if (!p.userId)
        throw new ProblemError(
          400,
          'Bad Request',
          'only users have passwords; this request is authenticated as an integration',
        );
      const row = await ctx.db.kysely
        .selectFrom('app_user')
        .select(['password_hash', 'email'])
        .where('id', '=', p.userId)
        .executeTakeFirstOrThrow();
      if (!row.password_hash || !(await verifyPassword(row.password_hash, req.body.currentPassword)))
        throw new ProblemError(400, 'Bad Request', 'currentPassword is wrong');
      const problem = passwordProblem(req.body.newPassword, row.email);
      if (problem) throw new ProblemError(400, 'Bad Request', `newPassword: ${problem}`);
      await setPassword(ctx.db, ctx.clock, p.userId, req.body.newPassword, req.sessionIdHash);
      audit(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'User',
        resourceIds: [p.userId],
        detail: 'password changed',
      });
      return reply.status(204).send();
    },
  );

  r.post(
    '/api/auth/setup',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Set a password with a one-time set-up link',
        tags,
        security: [],
        body: z.object({ token: z.string().min(1).max(200), password: z.string().max(1024) }),
      },
    },
    async (req, reply) => {
      try {
        const id = await completeSetup(ctx.db, ctx.clock, req.body.token, req.body.password);
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'User',
          resourceIds: [id],
          detail: 'password set with set-up link',
        });
      } catch (err) {
        if (err instanceof UserError) throw new ProblemError(err.status, 'Bad Request', err.message);
        throw err;
      }
      return reply.status(204).send();
    },
  );

  r.post(
    '/api/auth/bootstrap',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Create the first administrator with the one-time link printed at first start',
        tags,
        security: [],
        body: z.object({
          token: z.string().min(1).max(200),
          email: z.string().email().max(320),
          name: z.string().max(200).default(''),
          password: z.string().max(1024),
        }),
        response: { 201: MeSchema },
      },
    },
    async (req, reply) => {
      const given = hashSecret(req.body.token);
      if (!ctx.bootstrapHash || given !== ctx.bootstrapHash || (await countUsers(ctx.db)) > 0)
        throw new ProblemError(
          400,
          'Bad Request',
          'token: this first-start link is used or unknown; an administrator exists already — sign in, or ask them for an account',
        );
      let id: string;
      try {
        ({ id } = await createUser(ctx.db, ctx.clock, {
          email: req.body.email,
          name: req.body.name,
          role: 'admin',
          password: req.body.password,
        }));
      } catch (err) {
        if (err instanceof UserError) throw new ProblemError(err.status, 'Bad Request', err.message);
        throw err;
      }
      ctx.bootstrapHash = undefined;
      await startSession(ctx, req, reply, id);
      audit(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'User',
        resourceIds: [id],
        detail: 'first administrator created with the first-start link',
      });
      return reply.status(201).send(await me(ctx, req));
    },
  );

  r.post(
    '/api/auth/emergency-access',
    {
      config: { access: { permission: 'emergency:access' } },
      schema: {
        summary: 'Open a patient outside one’s care units (nödåtkomst) for 4 hours; the reason is logged',
        tags,
        body: z.object({
          patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/),
          reason: z
            .string()
            .trim()
            .min(10, 'reason: state why care needs this record (at least 10 characters)')
            .max(1000),
        }),
        response: { 201: z.object({ patientId: z.string(), expiresAt: z.string() }) },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      if (!p.userId)
        throw new ProblemError(
          400,
          'Bad Request',
          'emergency access is for signed-in users, not integrations',
        );
      const exists = await ctx.db.query(
        'SELECT 1 FROM fhir_resource WHERE resource_type = $1 AND id = $2 AND NOT deleted',
        ['Patient', req.body.patientId],
      );
      if (exists.length === 0)
        throw new ProblemError(404, 'Not Found', `patientId: no Patient/${req.body.patientId}`);
      const expiresAt = new Date(ctx.clock.now().getTime() + EMERGENCY_MS);
      await ctx.db.kysely
        .insertInto('emergency_grant')
        .values({
          id: randomUUID(),
          user_id: p.userId,
          patient_id: req.body.patientId,
          reason: req.body.reason,
          granted_at: ctx.clock.now(),
          expires_at: expiresAt,
        })
        .execute();
      audit(req, {
        action: 'emergency-access',
        outcome: 'success',
        resourceType: 'Patient',
        resourceIds: [req.body.patientId],
        patientIds: [req.body.patientId],
        purpose: req.body.reason,
        emergency: true,
      });
      return reply.status(201).send({ patientId: req.body.patientId, expiresAt: expiresAt.toISOString() });
    },
  );
}

/** Emergency access lasts a working shift's part, then must be stated again. */
export const EMERGENCY_MS = 4 * 3600_000;
