import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { FhirError } from '../fhir/outcome.ts';
import { ProblemError } from '../http/errors.ts';
import { forbidden } from './access.ts';
import type { AccessCache } from './access-cache.ts';
import { PERMISSION_IDS, type Permission } from './permissions.ts';
import type { Principal } from './principal.ts';
import type { RoleRegistry } from './roles.ts';
import { CSRF_HEADER, resolveSession, SESSION_COOKIE, type SessionPolicy } from './sessions.ts';
import { hashToken, verifyToken } from './tokens.ts';
import { hashSecret } from './users.ts';

export interface AuthContext {
  db: Database;
  clock: Clock;
  roles: RoleRegistry;
  sessions: SessionPolicy;
  /** Cleared by every route that changes users, tokens, sessions, roles, units or grants. */
  cache: AccessCache;
  /**
   * A secret only the local machine knows (written to DATA_DIR/server.json,
   * mode 0600) so `outreach` CLI commands can act through a running server.
   */
  localControlToken?: string;
  /**
   * SHA-256 of the one-time secret printed at first start, while no user
   * exists: it lets the first administrator create their account in the web app.
   */
  bootstrapHash?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The CSRF token of the cookie session, when the request came with one. */
    csrfToken?: string;
    sessionIdHash?: string;
  }
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const GUARDED = /^\/(api|fhir|auth)(\/|$)/;

function decodedPath(url: string): string {
  const raw = url.split('?')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const localPrincipal = (): Principal => ({
  actorId: 'local-cli',
  actorName: 'outreach CLI (local operator)',
  kind: 'local',
  userId: null,
  tokenId: null,
  sessionId: null,
  method: 'local-cli',
  role: 'admin',
  permissions: new Set(PERMISSION_IDS),
  careUnits: [],
});

export async function userPrincipalFor(
  ctx: AuthContext,
  userId: string,
  method: 'password' | 'oidc' | 'token',
  roleOverride?: string,
): Promise<Principal | null> {
  const user = await ctx.db.kysely
    .selectFrom('app_user')
    .select(['id', 'email', 'role', 'care_units', 'disabled'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.disabled) return null;
  const own = await ctx.roles.get(user.role);
  const role = roleOverride ? await ctx.roles.get(roleOverride) : own;
  if (!role || !own) return null;
  // A user's token can narrow the user's rights, never widen them: a demoted user's old token follows the demotion.
  const permissions = new Set<Permission>(role.permissions.filter((p) => own.permissions.includes(p)));
  return {
    actorId: user.id,
    actorName: user.email,
    kind: 'user',
    userId: user.id,
    tokenId: null,
    sessionId: null,
    method,
    role: role.name,
    permissions,
    careUnits: user.care_units ?? [],
  };
}

type Resolved =
  | { principal: Principal; expiresAt: Date | null; csrfToken?: string; idHash?: string }
  | { error: string };

async function resolveBearer(ctx: AuthContext, token: string): Promise<Resolved> {
  const row = await verifyToken(ctx.db, ctx.clock, token);
  if (!row)
    return {
      error:
        'the bearer token is unknown, revoked or expired; create a new one with: npx outreach token create',
    };
  if (row.userId) {
    const p = await userPrincipalFor(ctx, row.userId, 'token', row.role);
    if (!p)
      return {
        error: `the user of token '${row.name}' is disabled or its role '${row.role}' no longer exists`,
      };
    return { principal: { ...p, tokenId: row.id }, expiresAt: row.expiresAt };
  }
  const role = await ctx.roles.get(row.role);
  if (!role)
    return {
      error: `token '${row.name}' has role '${row.role}', which no longer exists; create a new token`,
    };
  return {
    principal: {
      actorId: row.id,
      actorName: row.name,
      kind: 'integration',
      userId: null,
      tokenId: row.id,
      sessionId: null,
      method: 'token',
      role: role.name,
      permissions: new Set(role.permissions),
      careUnits: row.careUnits,
    },
    expiresAt: row.expiresAt,
  };
}

async function resolveCookie(ctx: AuthContext, cookie: string): Promise<Resolved> {
  const session = await resolveSession(ctx.db, ctx.clock, ctx.sessions, cookie);
  if (!session)
    return { error: 'your session has ended (signed out, expired or idle too long); sign in again' };
  const p = await userPrincipalFor(ctx, session.userId, session.method);
  if (!p) return { error: 'your account is disabled; ask an administrator' };
  return {
    principal: { ...p, sessionId: session.idHash },
    expiresAt: session.expiresAt,
    csrfToken: session.csrfToken,
    idHash: session.idHash,
  };
}

/** Resolves who is calling from a bearer token or the session cookie; null when nobody is signed in. */
export async function authenticate(
  ctx: AuthContext,
  req: FastifyRequest,
): Promise<{ principal: Principal; via: 'bearer' | 'cookie' } | { error: string } | null> {
  const header = req.headers.authorization;
  let via: 'bearer' | 'cookie';
  let resolved: Resolved;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return { error: 'the Authorization header must be "Bearer <token>"' };
    const token = m[1];
    if (ctx.localControlToken && sameSecret(token, ctx.localControlToken))
      return { principal: localPrincipal(), via: 'bearer' };
    via = 'bearer';
    resolved = await ctx.cache.through(`bearer:${hashToken(token)}`, () => resolveBearer(ctx, token));
  } else {
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (!cookie) return null;
    via = 'cookie';
    resolved = await ctx.cache.through(`cookie:${hashSecret(cookie)}`, () => resolveCookie(ctx, cookie));
  }
  if ('error' in resolved) return resolved;
  if (resolved.expiresAt && resolved.expiresAt <= ctx.clock.now())
    return {
      error:
        via === 'bearer'
          ? 'the bearer token has expired; create a new one'
          : 'your session has expired; sign in again',
    };
  if (resolved.csrfToken) req.csrfToken = resolved.csrfToken;
  if (resolved.idHash) req.sessionIdHash = resolved.idHash;
  return { principal: resolved.principal, via };
}

/**
 * On every request under /api, /fhir and /auth: who is calling, CSRF for
 * cookie-authenticated writes, and the route's access rule (deny by default).
 */
export function registerAuth(app: FastifyInstance, ctx: AuthContext): void {
  // Any write may change who can see what (a revoked token, a patient moved to another unit): forget cached answers.
  app.addHook('onSend', async (req, _reply, payload) => {
    if (!SAFE_METHODS.has(req.method)) ctx.cache.clear();
    return payload;
  });
  app.addHook('onRequest', async (req: FastifyRequest) => {
    // Decide by the route the router matched (it decodes the path), never by the raw URL:
    // "/%61pi/tokens" is /api/tokens. A matched route without a public rule needs a caller;
    // an unmatched path needs one when it lies under the API prefixes (401 before 404).
    const matched = req.routeOptions.url;
    const path = matched ?? decodedPath(req.url);
    const rule = req.routeOptions.config?.access;
    if (matched === undefined && !GUARDED.test(path)) return;
    const fhir = path.startsWith('/fhir');
    const unauthorized = (why: string) =>
      fhir ? new FhirError(401, why, 'login') : new ProblemError(401, 'Unauthorized', why);
    // Unknown paths answer 404 from the router, not 401, once signed in; before that, 401.
    if (rule && 'public' in rule) return;
    const who = await authenticate(ctx, req);
    if (who === null)
      throw unauthorized(
        'sign in, or send "Authorization: Bearer <token>" (create one with: npx outreach token create --name NAME --role ROLE)',
      );
    if ('error' in who) throw unauthorized(who.error);
    req.principal = who.principal;
    if (who.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !req.csrfToken || !sameSecret(sent, req.csrfToken))
        throw forbidden(
          req,
          `cookie-authenticated ${req.method} requests must send the ${CSRF_HEADER} header with the csrfToken from /api/auth/me`,
          'csrf',
        );
    }
    if (!req.routeOptions.url) return; // 404 from the router
    if (!rule)
      throw forbidden(
        req,
        `${req.method} ${req.routeOptions.url} has no access rule; access is denied by default`,
      );
    if ('signedIn' in rule || 'fhir' in rule) return;
    if (!who.principal.permissions.has(rule.permission))
      throw forbidden(
        req,
        `${req.method} ${req.routeOptions.url} needs the permission ${rule.permission}, which role '${who.principal.role}' does not have`,
      );
  });
}
