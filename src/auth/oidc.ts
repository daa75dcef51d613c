import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as client from 'openid-client';
import { z } from 'zod';
import type { OidcConfig } from '../config/config.ts';
import { ProblemError } from '../http/errors.ts';
import { audit } from './audit/hooks.ts';
import { listCareUnits } from './care-units.ts';
import { type AuthContext, userPrincipalFor } from './plugin.ts';
import { type OidcInfo, setSessionCookie } from './session-routes.ts';
import { createSession, endSession, SESSION_COOKIE } from './sessions.ts';
import { createUser, findUserRow, hashSecret, normaliseEmail, UserError, updateUser } from './users.ts';

/** The cookie that carries one sign-in attempt (state, nonce, PKCE verifier, returnTo) from /login to /callback. */
export const OIDC_COOKIE = 'po_oidc';
const COOKIE_PATH = '/auth/oidc';
/** How long a user may take at the IdP before the attempt must start again. */
export const FLOW_MS = 10 * 60_000;
export const CALLBACK_PATH = '/auth/oidc/callback';

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  /** Epoch ms after which the attempt is refused. */
  exp: number;
}

/** A sign-in refused for a reason the user can read; rendered as a page for browsers, a problem otherwise. */
class Refusal extends Error {
  readonly status: number;
  readonly title: string;
  /** What the audit record says; undefined = not a sign-in attempt worth auditing. */
  readonly auditDetail: string | undefined;
  constructor(status: number, title: string, detail: string, auditDetail?: string) {
    super(detail);
    this.status = status;
    this.title = title;
    this.auditDetail = auditDetail;
  }
}

/**
 * Only same-origin relative paths: one leading '/', not '//' or '/\' (which
 * browsers treat as another host), no control characters or backslashes.
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return '/';
  if (!/^\/(?![/\\])/.test(raw) || raw.includes('\\')) return '/';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return '/';
  }
  const base = 'http://same-origin.invalid';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return '/';
  }
  if (url.origin !== base) return '/';
  return url.pathname + url.search + url.hash;
}

/**
 * The flow cookie is sealed with AES-256-GCM (encrypted and authenticated)
 * under a key derived from the client secret, so every server process with the
 * same configuration can open it and nobody without the secret can forge or
 * read it.
 */
function flowKey(config: OidcConfig): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      config.clientSecret,
      'patient-outreach',
      `po_oidc v1|${config.issuer}|${config.clientId}`,
      32,
    ),
  );
}

function seal(key: Buffer, flow: Flow): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function unseal(key: Buffer, value: string): Flow | null {
  try {
    const buf = Buffer.from(value, 'base64url');
    if (buf.length < 12 + 16 + 2) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
    decipher.setAuthTag(buf.subarray(buf.length - 16));
    const json = Buffer.concat([
      decipher.update(buf.subarray(12, buf.length - 16)),
      decipher.final(),
    ]).toString('utf8');
    const f = JSON.parse(json) as Partial<Flow>;
    if (
      typeof f.state !== 'string' ||
      typeof f.nonce !== 'string' ||
      typeof f.verifier !== 'string' ||
      typeof f.returnTo !== 'string' ||
      typeof f.exp !== 'number'
    )
      return null;
    return f as Flow;
  } catch {
    return null;
  }
}

/** A claim by name, or by a dotted path into nested objects (Keycloak's "realm_access.roles"). */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let cur: unknown = claims;
  for (const part of name.split('.')) {
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, part))
      cur = (cur as Record<string, unknown>)[part];
    else return undefined;
  }
  return cur;
}

/** A claim holds one value or a list of them. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The first entry of the role map whose value the user has; undefined when none. */
export function mapRole(config: OidcConfig, claims: Record<string, unknown>): string | undefined {
  const have = new Set(claimValues(claimAt(claims, config.roleClaim)));
  return config.roleMap.find((m) => have.has(m.value))?.role;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const why = cause?.code ?? cause?.message;
  return why && !err.message.includes(why) ? `${err.message}: ${why}` : err.message;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function refusalPage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed – Patient Outreach</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}</style>
</head>
<body>
<main>
<h1>Sign-in failed</h1>
<p><strong>${escapeHtml(title)}</strong></p>
<p>${escapeHtml(detail)}</p>
<p><a href="/signin">Back to sign-in</a></p>
</main>
</body>
</html>
`;
}

const wantsHtml = (req: FastifyRequest) => /\btext\/html\b/.test(req.headers.accept ?? '');

/**
 * OpenID Connect single sign-on (authorization code flow with PKCE, state and
 * nonce). The IdP is discovered on first use, so the server starts even when
 * the IdP is down. Returns what /api/auth/providers tells the sign-in page.
 */
export async function registerOidc(
  app: FastifyInstance,
  ctx: AuthContext,
  config: OidcConfig | undefined,
  baseUrl: (req: FastifyRequest) => string,
): Promise<() => OidcInfo> {
  if (!config) return () => ({ enabled: false, label: '' });
  const oidc = config;
  const key = flowKey(oidc);
  const scope = oidc.scope.split(/\s+/).includes('openid') ? oidc.scope : `openid ${oidc.scope}`;
  const redirectUri = (req: FastifyRequest) =>
    oidc.redirectUri ?? `${baseUrl(req).replace(/\/$/, '')}${CALLBACK_PATH}`;

  let discovered: Promise<client.Configuration> | undefined;
  const discover = async () =>
    client.discovery(new URL(oidc.issuer), oidc.clientId, oidc.clientSecret, undefined, {
      timeout: 10,
      ...(oidc.allowInsecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
  /** Cached once it works; a failure is retried on the next sign-in. */
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= discover().catch((err: unknown) => {
      discovered = undefined;
      const insecure =
        !oidc.allowInsecure && oidc.issuer.startsWith('http:')
          ? ' (the issuer is http://; only a local test IdP may be, with OIDC_ALLOW_INSECURE=true)'
          : '';
      throw new Refusal(
        502,
        'Bad Gateway',
        `the identity provider ${oidc.issuer} could not be reached or its discovery document is not usable (${describe(err)})${insecure}; try again later, or ask an administrator to check OIDC_ISSUER`,
      );
    });
    return discovered;
  };

  const clearFlow = (req: FastifyRequest, reply: FastifyReply) =>
    void reply.clearCookie(OIDC_COOKIE, {
      path: COOKIE_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: req.protocol === 'https',
    });

  /** Browsers get a page they can read; API clients a problem document. */
  const refuse = (req: FastifyRequest, reply: FastifyReply, r: Refusal) => {
    if (r.auditDetail !== undefined)
      audit(req, { action: 'sign-in-failed', outcome: 'denied', detail: `oidc: ${r.auditDetail}` });
    if (r.status >= 500) req.log.warn({ issuer: oidc.issuer }, r.message);
    if (!wantsHtml(req))
      throw new ProblemError(r.status, r.title, r.message, {
        type: 'https://patient-outreach.dev/problems/sign-in',
      });
    return reply
      .status(r.status)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(refusalPage(r.title, r.message));
  };

  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  r.get(
    '/auth/oidc/login',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Start single sign-on: redirects to the identity provider',
        tags,
        security: [],
        querystring: z.object({
          returnTo: z
            .string()
            .optional()
            .describe('A path on this site to land on after signing in (default /)'),
        }),
      },
    },
    async (req, reply) => {
      try {
        const cfg = await configuration();
        const flow: Flow = {
          state: client.randomState(),
          nonce: client.randomNonce(),
          verifier: client.randomPKCECodeVerifier(),
          returnTo: safeReturnTo(req.query.returnTo),
          exp: ctx.clock.now().getTime() + FLOW_MS,
        };
        const url = client.buildAuthorizationUrl(cfg, {
          redirect_uri: redirectUri(req),
          scope,
          code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
          code_challenge_method: 'S256',
          state: flow.state,
          nonce: flow.nonce,
        });
        void reply.setCookie(OIDC_COOKIE, seal(key, flow), {
          path: COOKIE_PATH,
          httpOnly: true,
          sameSite: 'lax',
          secure: req.protocol === 'https',
          maxAge: FLOW_MS / 1000,
        });
        return reply.header('Cache-Control', 'no-store').redirect(url.href, 302);
      } catch (err) {
        if (err instanceof Refusal) return refuse(req, reply, err);
        throw err;
      }
    },
  );

  r.get(
    CALLBACK_PATH,
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Where the identity provider sends the user back; signs in and redirects to returnTo',
        tags,
        security: [],
      },
    },
    async (req, reply) => {
      try {
        return await callback(req, reply);
      } catch (err) {
        if (err instanceof Refusal) return refuse(req, reply, err);
        throw err;
      }
    },
  );

  async function callback(req: FastifyRequest, reply: FastifyReply) {
    const sealed = req.cookies[OIDC_COOKIE];
    clearFlow(req, reply);
    const flow = sealed ? unseal(key, sealed) : null;
    if (!flow || flow.exp <= ctx.clock.now().getTime())
      throw new Refusal(
        400,
        'Bad Request',
        'this sign-in was not started in this browser, or took longer than 10 minutes; start again from the sign-in page (cookies must be allowed)',
        'no or expired sign-in attempt cookie',
      );
    const query = req.query as Record<string, unknown>;
    if (query.state !== flow.state)
      throw new Refusal(
        400,
        'Bad Request',
        'the answer from the identity provider does not belong to the sign-in this browser started (state mismatch), perhaps because sign-in was started again in another tab; start again from the sign-in page',
        'state mismatch',
      );
    const cfg = await configuration();
    // The redirect URI sent to the token endpoint must equal the one in the authorization request.
    const current = new URL(redirectUri(req));
    const q = req.url.indexOf('?');
    current.search = q >= 0 ? req.url.slice(q) : '';
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError)
        throw new Refusal(
          401,
          'Unauthorized',
          `the identity provider did not sign you in: ${err.error_description || err.error}`,
          `IdP answered ${err.error}`,
        );
      if (err instanceof client.ResponseBodyError)
        throw new Refusal(
          400,
          'Bad Request',
          `the identity provider refused to complete the sign-in (${err.error}${err.error_description ? `: ${err.error_description}` : ''}); start again from the sign-in page`,
          `token endpoint answered ${err.error}`,
        );
      throw new Refusal(
        502,
        'Bad Gateway',
        `the answer from the identity provider ${oidc.issuer} could not be verified (${describe(err)}); start again, or ask an administrator`,
        `token response rejected: ${describe(err)}`,
      );
    }
    const idClaims = tokens.claims();
    if (!idClaims)
      throw new Refusal(
        502,
        'Bad Gateway',
        `the identity provider ${oidc.issuer} sent no ID token`,
        'no ID token',
      );
    let claims: Record<string, unknown> = { ...idClaims };
    const wanted = [oidc.roleClaim, 'email', ...(oidc.careUnitClaim ? [oidc.careUnitClaim] : [])];
    if (wanted.some((c) => claimAt(claims, c) === undefined)) {
      try {
        const info = await client.fetchUserInfo(cfg, tokens.access_token, idClaims.sub);
        // The signed ID token wins where both say something.
        claims = { ...info, ...idClaims };
      } catch (err) {
        throw new Refusal(
          502,
          'Bad Gateway',
          `could not read your account details from the identity provider's userinfo endpoint (${describe(err)}); try again later`,
          `userinfo failed: ${describe(err)}`,
        );
      }
    }
    const who = typeof claims.email === 'string' && claims.email ? claims.email : `sub ${idClaims.sub}`;

    const role = mapRole(oidc, claims);
    if (!role) {
      const groups = oidc.roleMap.map((m) => m.value).join(', ') || '(none configured)';
      throw new Refusal(
        403,
        'Forbidden',
        `your account at the identity provider has none of the groups that give access to Patient Outreach (${groups}, in the '${oidc.roleClaim}' claim); ask an administrator to add you to one of them`,
        `${who}: no mapped group in '${oidc.roleClaim}' (had: ${claimValues(claimAt(claims, oidc.roleClaim)).slice(0, 20).join(', ') || 'none'})`,
      );
    }
    const roleExists = async (name: string) => (await ctx.roles.get(name)) !== undefined;
    if (!(await roleExists(role))) {
      req.log.error({ role }, 'OIDC_ROLE_MAP names a role that does not exist');
      throw new Refusal(
        403,
        'Forbidden',
        `single sign-on maps your group to the role '${role}', which does not exist in Patient Outreach; ask an administrator to fix OIDC_ROLE_MAP or create the role`,
        `${who}: mapped role '${role}' does not exist`,
      );
    }
    if (typeof claims.email !== 'string' || !claims.email)
      throw new Refusal(
        403,
        'Forbidden',
        "the identity provider sent no e-mail address for your account; ask an administrator to release the 'email' claim (scope 'email') to Patient Outreach",
        `${who}: no email claim`,
      );
    const email = normaliseEmail(claims.email);
    const emailVerified = claims.email_verified === true || claims.email_verified === 'true';
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : undefined;

    let careUnits: string[] | undefined;
    if (oidc.careUnitClaim) {
      const asked = [...new Set(claimValues(claimAt(claims, oidc.careUnitClaim)))];
      const known = new Set((await listCareUnits(ctx.db)).map((u) => u.id));
      careUnits = asked.filter((id) => known.has(id));
      const unknown = asked.filter((id) => !known.has(id));
      if (unknown.length)
        req.log.warn(
          { email, unknown, claim: oidc.careUnitClaim },
          'the IdP names care units that do not exist here; they are ignored (create them with outreach care-units create)',
        );
    }

    const subject = `${idClaims.iss}|${idClaims.sub}`;
    let user = await ctx.db.kysely
      .selectFrom('app_user')
      .selectAll()
      .where('oidc_subject', '=', subject)
      .executeTakeFirst();
    let how = 'existing SSO user';
    if (!user) {
      const byEmail = await findUserRow(ctx.db, email);
      if (byEmail) {
        if (byEmail.oidc_subject)
          throw new Refusal(
            409,
            'Conflict',
            `the e-mail ${email} belongs to a Patient Outreach user that signs in with another identity provider account; ask an administrator`,
            `${email}: e-mail already linked to another subject`,
          );
        if (!emailVerified)
          throw new Refusal(
            409,
            'Conflict',
            `a Patient Outreach user with the e-mail ${email} already exists, but the identity provider does not confirm that the address is yours (email_verified is not true), so the accounts were not linked; ask an administrator`,
            `${email}: existing password user, e-mail not verified by the IdP`,
          );
        if (byEmail.disabled)
          throw new Refusal(
            403,
            'Forbidden',
            'your Patient Outreach account is disabled; ask an administrator',
            `${email}: disabled`,
          );
        await ctx.db.kysely
          .updateTable('app_user')
          .set({ oidc_subject: subject })
          .where('id', '=', byEmail.id)
          .where('oidc_subject', 'is', null)
          .execute();
        user = { ...byEmail, oidc_subject: subject };
        how = 'linked to the existing user with the same verified e-mail';
      } else {
        try {
          const created = await createUser(
            ctx.db,
            ctx.clock,
            { email, name: name ?? email, role, careUnits: careUnits ?? [], oidcSubject: subject },
            roleExists,
          );
          user = await ctx.db.kysely
            .selectFrom('app_user')
            .selectAll()
            .where('id', '=', created.id)
            .executeTakeFirstOrThrow();
          how = 'new user';
        } catch (err) {
          if (err instanceof UserError)
            throw new Refusal(
              err.status,
              'Bad Request',
              `your account could not be created: ${err.message}`,
              `${email}: ${err.message}`,
            );
          throw err;
        }
      }
    }
    if (user.disabled)
      throw new Refusal(
        403,
        'Forbidden',
        'your Patient Outreach account is disabled; ask an administrator',
        `${email}: disabled`,
      );

    // The IdP is the source of truth for SSO users: role, care units, name and e-mail follow it.
    await updateUser(
      ctx.db,
      user.id,
      { role, ...(name ? { name } : {}), ...(careUnits ? { careUnits } : {}) },
      roleExists,
    );
    if (user.email !== email) {
      const taken = await findUserRow(ctx.db, email);
      if (taken)
        req.log.warn(
          { userId: user.id, email },
          'the IdP e-mail of an SSO user is taken by another user; kept the old one',
        );
      else await ctx.db.kysely.updateTable('app_user').set({ email }).where('id', '=', user.id).execute();
    }

    // A sign-in replaces whatever session this browser had.
    const previous = req.cookies[SESSION_COOKIE];
    if (previous) await endSession(ctx.db, ctx.clock, hashSecret(previous));
    // A GET that changed a user and ended a session: cached answers about them are stale.
    ctx.cache.clear();
    const { cookie, session } = await createSession(ctx.db, ctx.clock, ctx.sessions, user.id, 'oidc', {
      ip: req.ip,
      client: req.headers['user-agent'] ?? null,
    });
    setSessionCookie(req, reply, cookie, session.expiresAt);
    const principal = await userPrincipalFor(ctx, user.id, 'oidc');
    if (!principal)
      throw new Refusal(
        403,
        'Forbidden',
        'this account cannot sign in; ask an administrator',
        `${email}: no principal`,
      );
    req.csrfToken = session.csrfToken;
    req.sessionIdHash = session.idHash;
    req.principal = { ...principal, sessionId: session.idHash };
    audit(req, {
      action: 'sign-in',
      outcome: 'success',
      resourceType: 'User',
      resourceIds: [user.id],
      detail: `oidc ${idClaims.iss} (${how}); role ${role}${careUnits ? `; care units ${careUnits.join(', ') || 'none'}` : ''}`,
    });
    return reply.header('Cache-Control', 'no-store').redirect(flow.returnTo, 302);
  }

  return () => ({ enabled: true, label: oidc.label });
}
