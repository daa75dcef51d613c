import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError } from '../http/errors.ts';
import { audit } from './audit/hooks.ts';
import { CareUnitError, createCareUnit, listCareUnits, requireCareUnits } from './care-units.ts';
import { isPermission, PERMISSION_IDS, PERMISSIONS } from './permissions.ts';
import type { AuthContext } from './plugin.ts';
import { RoleError } from './roles.ts';
import {
  CareUnitSchema,
  CreateRoleBody,
  CreateTokenBody,
  CreateUserBody,
  PatchUserBody,
  RoleSchema,
  TokenInfoSchema,
  UserSchema,
} from './schemas.ts';
import { createToken, listTokens, revokeToken, TokenError } from './tokens.ts';
import { createUser, getUser, issueSetupToken, listUsers, UserError, updateUser } from './users.ts';

/** Domain errors carry their HTTP status; everything else is a server fault. */
function asProblem(err: unknown): never {
  if (err instanceof UserError || err instanceof RoleError || err instanceof CareUnitError)
    throw new ProblemError(
      err.status,
      err.status === 409 ? 'Conflict' : err.status === 404 ? 'Not Found' : 'Bad Request',
      err.message,
    );
  if (err instanceof TokenError) throw new ProblemError(400, 'Bad Request', err.message);
  throw err;
}

/**
 * Nobody hands out more than they hold: a role granted (to a user, a token or
 * a new custom role) or a user changed must not have permissions the caller
 * lacks, so a helpdesk role with user:write cannot make anyone an administrator.
 */
function assertCanGrant(req: FastifyRequest, what: string, permissions: readonly string[]): void {
  const mine = req.principal!.permissions;
  // Unknown ids are not granted at all; the role registry names them.
  const beyond = permissions.filter((p) => isPermission(p) && !mine.has(p));
  if (beyond.length)
    throw new ProblemError(
      403,
      'Forbidden',
      `${what} carries ${beyond.join(', ')}, which your role '${req.principal!.role}' does not have; only someone holding them can grant them`,
      { type: 'https://patient-outreach.dev/problems/permission' },
    );
}

async function rolePermissions(ctx: AuthContext, name: string): Promise<readonly string[]> {
  return (await ctx.roles.get(name))?.permissions ?? [];
}

export function registerAdminRoutes(
  app: FastifyInstance,
  ctx: AuthContext,
  baseUrl: (req: { protocol: string; host: string }) => string,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const roleExists = async (name: string) => (await ctx.roles.get(name)) !== undefined;
  const setupUrl = (req: { protocol: string; host: string }, token: string) =>
    `${baseUrl(req)}/setup?token=${token}`;
  const Id = z.object({ id: z.string().uuid() });

  r.get(
    '/api/permissions',
    {
      config: { access: { signedIn: true } },
      schema: {
        summary: 'Every permission the product checks',
        tags: ['access'],
        response: { 200: z.array(z.object({ id: z.string(), description: z.string() })) },
      },
    },
    async () => PERMISSION_IDS.map((id) => ({ id, description: PERMISSIONS[id] })),
  );

  r.get(
    '/api/roles',
    {
      config: { access: { signedIn: true } },
      schema: {
        summary: 'Built-in and custom roles',
        tags: ['access'],
        response: { 200: z.array(RoleSchema) },
      },
    },
    async () => (await ctx.roles.all()).map((role) => ({ ...role, permissions: [...role.permissions] })),
  );

  r.post(
    '/api/roles',
    {
      config: { access: { permission: 'role:write' } },
      schema: {
        summary: 'Compose a custom role from permissions',
        tags: ['access'],
        body: CreateRoleBody,
        response: { 201: RoleSchema },
      },
    },
    async (req, reply) => {
      assertCanGrant(req, `role '${req.body.name}'`, req.body.permissions);
      try {
        const role = await ctx.roles.create(req.body);
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'Role',
          resourceIds: [role.name],
          detail: `created with ${role.permissions.join(' ')}`,
        });
        return reply.status(201).send({ ...role, permissions: [...role.permissions] });
      } catch (err) {
        asProblem(err);
      }
    },
  );

  r.delete(
    '/api/roles/:name',
    {
      config: { access: { permission: 'role:write' } },
      schema: {
        summary: 'Delete a custom role nobody holds',
        tags: ['access'],
        params: z.object({ name: z.string() }),
      },
    },
    async (req, reply) => {
      try {
        await ctx.roles.delete(req.params.name);
      } catch (err) {
        asProblem(err);
      }
      audit(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'Role',
        resourceIds: [req.params.name],
        detail: 'deleted',
      });
      return reply.status(204).send();
    },
  );

  r.get(
    '/api/care-units',
    {
      config: { access: { signedIn: true } },
      schema: {
        summary: 'Care units (vårdenheter)',
        tags: ['access'],
        response: { 200: z.array(CareUnitSchema) },
      },
    },
    async () => listCareUnits(ctx.db),
  );

  r.post(
    '/api/care-units',
    {
      config: { access: { permission: 'care-unit:write' } },
      schema: {
        summary: 'Create a care unit from organisations and locations',
        tags: ['access'],
        body: CareUnitSchema,
        response: { 201: CareUnitSchema },
      },
    },
    async (req, reply) => {
      try {
        const unit = await createCareUnit(ctx.db, req.body, ctx.clock);
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'CareUnit',
          resourceIds: [unit.id],
          detail: `refs ${unit.refs.join(' ')}`,
        });
        return reply.status(201).send(unit);
      } catch (err) {
        asProblem(err);
      }
    },
  );

  r.get(
    '/api/users',
    {
      config: { access: { permission: 'user:read' } },
      schema: { summary: 'Users', tags: ['users'], response: { 200: z.array(UserSchema) } },
    },
    async () => listUsers(ctx.db),
  );

  r.post(
    '/api/users',
    {
      config: { access: { permission: 'user:write' } },
      schema: {
        summary: 'Create a user (with a password, or get a one-time set-up link)',
        tags: ['users'],
        body: CreateUserBody,
        response: { 201: z.object({ user: UserSchema, setupUrl: z.string().optional() }) },
      },
    },
    async (req, reply) => {
      assertCanGrant(req, `role '${req.body.role}'`, await rolePermissions(ctx, req.body.role));
      try {
        const { id, setupToken } = await createUser(ctx.db, ctx.clock, req.body, roleExists);
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'User',
          resourceIds: [id],
          detail: `created ${req.body.email} as ${req.body.role}`,
        });
        const user = (await getUser(ctx.db, id))!;
        return reply
          .status(201)
          .send({ user, ...(setupToken ? { setupUrl: setupUrl(req, setupToken) } : {}) });
      } catch (err) {
        asProblem(err);
      }
    },
  );

  r.patch(
    '/api/users/:id',
    {
      config: { access: { permission: 'user:write' } },
      schema: {
        summary: 'Change a user’s name, role, care units, or disable them',
        tags: ['users'],
        params: Id,
        body: PatchUserBody,
        response: { 200: UserSchema },
      },
    },
    async (req) => {
      if (
        req.params.id === req.principal?.userId &&
        (req.body.disabled || (req.body.role && req.body.role !== req.principal.role))
      )
        throw new ProblemError(
          400,
          'Bad Request',
          'you cannot disable yourself or change your own role; ask another administrator',
        );
      const target = await getUser(ctx.db, req.params.id);
      if (!target) throw new ProblemError(404, 'Not Found', `no user with id ${req.params.id}`);
      assertCanGrant(
        req,
        `user ${target.email} (role '${target.role}')`,
        await rolePermissions(ctx, target.role),
      );
      if (req.body.role)
        assertCanGrant(req, `role '${req.body.role}'`, await rolePermissions(ctx, req.body.role));
      try {
        const user = await updateUser(ctx.db, req.params.id, req.body, roleExists);
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'User',
          resourceIds: [user.id],
          detail: `changed ${Object.keys(req.body).join(', ')}`,
        });
        return user;
      } catch (err) {
        asProblem(err);
      }
    },
  );

  r.post(
    '/api/users/:id/reset',
    {
      config: { access: { permission: 'user:write' } },
      schema: {
        summary: 'A one-time link to set a new password (24 h)',
        tags: ['users'],
        params: Id,
        response: { 200: z.object({ setupUrl: z.string() }) },
      },
    },
    async (req) => {
      const target = await getUser(ctx.db, req.params.id);
      if (!target) throw new ProblemError(404, 'Not Found', `no user with id ${req.params.id}`);
      assertCanGrant(
        req,
        `user ${target.email} (role '${target.role}')`,
        await rolePermissions(ctx, target.role),
      );
      try {
        const token = await issueSetupToken(ctx.db, ctx.clock, req.params.id, { revoke: true });
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'User',
          resourceIds: [req.params.id],
          detail: 'password reset link issued',
        });
        return { setupUrl: setupUrl(req, token) };
      } catch (err) {
        asProblem(err);
      }
    },
  );

  r.get(
    '/api/tokens',
    {
      config: { access: { permission: 'token:read' } },
      schema: {
        summary: 'List API tokens (never their secrets)',
        tags: ['auth'],
        response: { 200: z.array(TokenInfoSchema) },
      },
    },
    async () => listTokens(ctx.db),
  );

  r.post(
    '/api/tokens',
    {
      config: { access: { permission: 'token:write' } },
      schema: {
        summary: 'Create an API token; the secret is returned once',
        tags: ['auth'],
        body: CreateTokenBody,
        response: { 201: z.object({ id: z.string(), token: z.string() }) },
      },
    },
    async (req, reply) => {
      assertCanGrant(req, `role '${req.body.role}'`, await rolePermissions(ctx, req.body.role));
      try {
        if (req.body.careUnits) await requireCareUnits(ctx.db, req.body.careUnits);
        const created = await createToken(
          ctx.db,
          ctx.clock,
          { ...req.body, expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : undefined },
          roleExists,
        );
        audit(req, {
          action: 'administer',
          outcome: 'success',
          resourceType: 'ApiToken',
          resourceIds: [created.id],
          detail: `created '${req.body.name}' as ${req.body.role}`,
        });
        return reply.status(201).send(created);
      } catch (err) {
        asProblem(err);
      }
    },
  );

  r.delete(
    '/api/tokens/:id',
    {
      config: { access: { permission: 'token:write' } },
      schema: { summary: 'Revoke an API token', tags: ['auth'], params: Id },
    },
    async (req, reply) => {
      if (!(await revokeToken(ctx.db, ctx.clock, req.params.id)))
        throw new ProblemError(404, 'Not Found', `no active token with id ${req.params.id}`);
      audit(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'ApiToken',
        resourceIds: [req.params.id],
        detail: 'revoked',
      });
      return reply.status(204).send();
    },
  );
}
