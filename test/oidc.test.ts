import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectAudit } from '../src/auth/audit/query.ts';
import { createCareUnit } from '../src/auth/care-units.ts';
import { registerOidc, safeReturnTo } from '../src/auth/oidc.ts';
import type { AuthContext } from '../src/auth/plugin.ts';
import { createUser, updateUser } from '../src/auth/users.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildApp } from '../src/http/app.ts';
import { errorHandler } from '../src/http/errors.ts';
import { type TestEnv, testEnv } from './helpers.ts';

/** oidc-provider ships no type declarations; the little of it the test uses. */
interface OidcProvider {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  on(event: string, fn: (...args: unknown[]) => void): void;
}
type ProviderClass = new (issuer: string, config: Record<string, unknown>) => OidcProvider;

interface Account {
  email?: string;
  email_verified?: boolean;
  name: string;
  groups: string[];
  care_units?: string[];
}

const CLIENT_ID = 'patient-outreach';
const CLIENT_SECRET = 'test-client-secret-that-is-long-enough-for-hs256';
const UNIT = 'SE2321000016-15CQ';

/** The IdP's user directory; tests change it between sign-ins. */
const accounts = new Map<string, Account>([
  [
    'anna',
    {
      email: 'Anna.Andersson@region.example',
      email_verified: true,
      name: 'Anna Andersson',
      groups: ['staff', 'clinicians'],
      care_units: [UNIT, 'SE-UNKNOWN-UNIT'],
    },
  ],
  [
    'visitor',
    { email: 'visitor@region.example', email_verified: true, name: 'Vera Visitor', groups: ['visitors'] },
  ],
  [
    'bertil',
    { email: 'bertil@region.example', email_verified: false, name: 'Bertil Berg', groups: ['planners'] },
  ],
  [
    'cecilia',
    { email: 'cecilia@region.example', email_verified: true, name: 'Cecilia Carlsson', groups: ['planners'] },
  ],
  ['noemail', { name: 'No Mail', groups: ['clinicians'] }],
]);

/** Cookies per host:port, as a browser keeps them (paths ignored; each server sees only its own). */
class CookieJar {
  readonly #byHost = new Map<string, Map<string, string>>();
  header(url: URL): string | undefined {
    const m = this.#byHost.get(url.host);
    return m?.size ? [...m].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
  get(url: URL | string, name: string): string | undefined {
    return this.#byHost.get(new URL(url).host)?.get(name);
  }
  store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      const m = this.#byHost.get(url.host) ?? new Map<string, string>();
      this.#byHost.set(url.host, m);
      const gone =
        value === '' ||
        attrs.some((a) => /^max-age=(0|-)/i.test(a)) ||
        attrs.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.UTC(2000, 0, 1));
      if (gone) m.delete(name);
      else m.set(name, value);
    }
  }
}

let idpServer: http.Server;
let issuer: string;
let env: TestEnv;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  // The IdP listens first (its URL is the issuer); the provider is created once the product's callback URL is known.
  let idpHandler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  idpServer = http.createServer((req, res) => idpHandler(req, res));
  await new Promise<void>((resolve) => idpServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;

  env = await testEnv();
  await createCareUnit(env.db, { id: UNIT, name: 'Vårdcentralen Ekhagen', refs: ['Organization/ekhagen'] });
  const config = loadConfig(
    {
      LOG_LEVEL: 'silent',
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_ROLE_MAP: 'clinicians=clinical,planners=event-planner',
      OIDC_SCOPE: 'openid email profile groups',
      OIDC_CARE_UNIT_CLAIM: 'care_units',
      OIDC_ALLOW_INSECURE: 'true',
      OIDC_LABEL: 'Region Testland',
    },
    { port: 0, host: '127.0.0.1' },
  );
  app = await buildApp({ config, db: env.db, clock: env.clock, store: env.store, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const { default: Provider } = (await import('oidc-provider' as string)) as { default: ProviderClass };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${base}/auth/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups', 'care_units'],
    },
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-idp-cookie-key'] },
  });
  provider.on('server_error', (_ctx, err) => console.error('IdP server_error', err));
  idpHandler = provider.callback();
});

afterAll(async () => {
  await app?.close();
  await new Promise<void>((resolve) => (idpServer ? idpServer.close(() => resolve()) : resolve()));
  await env?.close();
});

/** One request as a browser makes it: cookies from the jar, redirects not followed. */
async function browse(
  jar: CookieJar,
  url: URL,
  method = 'GET',
  form?: Record<string, string>,
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml' };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method,
    headers,
    body: form ? new URLSearchParams(form) : undefined,
    redirect: 'manual',
  });
  jar.store(url, res);
  return res;
}

interface SignInResult {
  status: number;
  location: string | null;
  body: string;
  jar: CookieJar;
}

/**
 * A user clicking "sign in": our /auth/oidc/login → the IdP's /auth → its
 * login form (any password) → its consent form → our callback. Returns the
 * callback's answer; `tamper` may change the callback URL first.
 */
async function signInAs(
  login: string,
  opts: { jar?: CookieJar; returnTo?: string; tamper?: (callback: URL) => void } = {},
): Promise<SignInResult> {
  const jar = opts.jar ?? new CookieJar();
  let url = new URL('/auth/oidc/login', base);
  if (opts.returnTo !== undefined) url.searchParams.set('returnTo', opts.returnTo);
  let method = 'GET';
  let form: Record<string, string> | undefined;
  const seen: string[] = [];
  for (let hop = 0; hop < 20; hop++) {
    const callback = url.origin === base && url.pathname === '/auth/oidc/callback';
    if (callback) opts.tamper?.(url);
    seen.push(`${method} ${url.href}`);
    const res = await browse(jar, url, method, form);
    method = 'GET';
    form = undefined;
    if (callback)
      return { status: res.status, location: res.headers.get('location'), body: await res.text(), jar };
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action || !prompt)
      throw new Error(
        `unexpected ${res.status} at ${url.href} after ${seen.join(' → ')}: ${html.slice(0, 400)}`,
      );
    url = new URL(action.replaceAll('&amp;', '&'), url);
    method = 'POST';
    form = prompt === 'login' ? { prompt, login, password: 'whatever' } : { prompt };
  }
  throw new Error(`too many redirects: ${seen.join(' → ')}`);
}

async function auditOf(action: 'sign-in' | 'sign-in-failed') {
  return selectAudit(env.db, { actions: [action], order: 'newest', limit: 100 });
}

async function me(jar: CookieJar): Promise<{ status: number; body: any }> {
  const cookie = jar.get(base, 'po_session');
  const res = await fetch(`${base}/api/auth/me`, {
    headers: cookie ? { cookie: `po_session=${cookie}` } : {},
  });
  return { status: res.status, body: await res.json() };
}

describe('OpenID Connect single sign-on against a real OIDC provider', () => {
  it('tells the sign-in page that single sign-on is on', async () => {
    const res = await fetch(`${base}/api/auth/providers`);
    expect(await res.json()).toEqual({ local: true, oidc: { enabled: true, label: 'Region Testland' } });
  });

  it('sends the browser to the IdP with PKCE (S256), state and nonce kept in a short-lived HttpOnly cookie', async () => {
    const res = await fetch(`${base}/auth/oidc/login?returnTo=/patients`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(issuer);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${base}/auth/oidc/callback`,
      scope: 'openid email profile groups',
      code_challenge_method: 'S256',
    });
    for (const p of ['state', 'nonce', 'code_challenge'])
      expect(to.searchParams.get(p)).toMatch(/^[\w-]{20,}$/);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('po_oidc='))!;
    expect(cookie).toMatch(/; Max-Age=600/);
    expect(cookie).toMatch(/; Path=\/auth\/oidc/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    // Sealed: neither the state nor the verifier can be read from it.
    expect(cookie).not.toContain(to.searchParams.get('state')!);
  });

  it('signs a clinician in: role from the group, care units from the claim, back to returnTo', async () => {
    const r = await signInAs('anna', { returnTo: '/patients?name=svensson' });
    expect(r.status).toBe(302);
    expect(r.location).toBe('/patients?name=svensson');
    expect(r.jar.get(base, 'po_oidc')).toBeUndefined();
    const who = await me(r.jar);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({
      email: 'anna.andersson@region.example',
      name: 'Anna Andersson',
      role: 'clinical',
      method: 'oidc',
      careUnits: [{ id: UNIT, name: 'Vårdcentralen Ekhagen' }],
    });
    const [record] = await auditOf('sign-in');
    expect(record).toMatchObject({
      actorName: 'anna.andersson@region.example',
      method: 'oidc',
      role: 'clinical',
      outcome: 'success',
    });
    expect(record.detail).toContain('new user');
  });

  it('takes role and care units from the IdP again at the next sign-in', async () => {
    const first = await signInAs('anna');
    const before = await me(first.jar);
    const oldCookie = first.jar.get(base, 'po_session');
    accounts.set('anna', { ...accounts.get('anna')!, groups: ['planners'], care_units: [] });
    // Same browser: the IdP still has its session, so no login form this time.
    const again = await signInAs('anna', { jar: first.jar });
    expect(again.status).toBe(302);
    const after = await me(again.jar);
    expect(after.body).toMatchObject({
      id: before.body.id,
      role: 'event-planner',
      method: 'oidc',
      careUnits: [],
    });
    // Signing in again replaced the browser's previous session.
    const old = await fetch(`${base}/api/auth/me`, { headers: { cookie: `po_session=${oldCookie}` } });
    expect(old.status).toBe(401);
    const users = await env.db.kysely
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', 'anna.andersson@region.example')
      .execute();
    expect(users).toHaveLength(1);
  });

  it('refuses an account with none of the mapped groups, with a readable page and no session', async () => {
    const r = await signInAs('visitor');
    expect(r.status).toBe(403);
    expect(r.body).toContain('your account at the identity provider has none of the groups');
    expect(r.body).toContain('clinicians, planners');
    expect(r.body).toContain('ask an administrator');
    expect(r.jar.get(base, 'po_session')).toBeUndefined();
    expect((await me(r.jar)).status).toBe(401);
    const users = await env.db.kysely
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', 'visitor@region.example')
      .execute();
    expect(users).toHaveLength(0);
    const [record] = await auditOf('sign-in-failed');
    expect(record.outcome).toBe('denied');
    expect(record.detail).toContain("visitor@region.example: no mapped group in 'groups' (had: visitors)");
  });

  it('refuses an answer whose state was tampered with', async () => {
    const r = await signInAs('anna', { tamper: (u) => u.searchParams.set('state', 'forged-state') });
    expect(r.status).toBe(400);
    expect(r.body).toContain('state mismatch');
    expect(r.jar.get(base, 'po_session')).toBeUndefined();
  });

  it('refuses a callback without the sign-in cookie of this browser (login CSRF)', async () => {
    // An attacker's code and state delivered to a victim whose browser never started a sign-in.
    const victim = await fetch(`${base}/auth/oidc/callback?code=abc&state=xyz`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(victim.status).toBe(400);
    expect(await victim.text()).toContain('start again from the sign-in page');
    expect(victim.headers.getSetCookie().some((c) => c.startsWith('po_session='))).toBe(false);
  });

  it('ignores a returnTo that leaves the site', async () => {
    for (const returnTo of ['https://evil.example', '//evil.example/x', '/\\evil.example']) {
      const r = await signInAs('anna', { returnTo });
      expect(r.status).toBe(302);
      expect(r.location).toBe('/');
    }
  });

  it('links an existing password user only when the IdP vouches for the e-mail', async () => {
    const bertil = await createUser(env.db, env.clock, {
      email: 'bertil@region.example',
      name: 'Bertil',
      role: 'outreach',
      password: 'a long enough pass phrase 42',
    });
    const refused = await signInAs('bertil');
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('does not confirm that the address is yours');
    expect(refused.jar.get(base, 'po_session')).toBeUndefined();

    const cecilia = await createUser(env.db, env.clock, {
      email: 'cecilia@region.example',
      name: 'Cecilia',
      role: 'outreach',
      password: 'a long enough pass phrase 42',
    });
    const linked = await signInAs('cecilia');
    expect(linked.status).toBe(302);
    expect((await me(linked.jar)).body).toMatchObject({
      id: cecilia.id,
      role: 'event-planner',
      method: 'oidc',
      name: 'Cecilia Carlsson',
    });
    expect(bertil.id).not.toBe(cecilia.id);
  });

  it('refuses a disabled user and one without an e-mail address', async () => {
    const r = await signInAs('cecilia');
    const id = (await me(r.jar)).body.id as string;
    await updateUser(env.db, id, { disabled: true }, async () => true);
    const disabled = await signInAs('cecilia');
    expect(disabled.status).toBe(403);
    expect(disabled.body).toContain('disabled');
    expect(disabled.jar.get(base, 'po_session')).toBeUndefined();

    const noEmail = await signInAs('noemail');
    expect(noEmail.status).toBe(403);
    expect(noEmail.body).toContain('sent no e-mail address');
  });

  it('answers API clients with a problem document', async () => {
    const res = await fetch(`${base}/auth/oidc/callback?code=abc&state=xyz`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain('start again');
  });
});

describe('an unreachable identity provider', () => {
  it('lets the server start and names the issuer in a 502 problem', async () => {
    // A port nothing listens on.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const down = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      OIDC_ISSUER: down,
      OIDC_CLIENT_ID: 'x',
      OIDC_CLIENT_SECRET: 'y',
      OIDC_ALLOW_INSECURE: 'true',
    });
    const bare = Fastify();
    bare.setValidatorCompiler(validatorCompiler);
    bare.setSerializerCompiler(serializerCompiler);
    bare.setErrorHandler(errorHandler(1 << 20));
    await bare.register(fastifyCookie);
    const info = await registerOidc(
      bare,
      { clock: { now: () => new Date() } } as AuthContext,
      config.oidc,
      () => 'http://localhost',
    );
    expect(info()).toEqual({ enabled: true, label: 'Single sign-on' });
    const res = await bare.inject({ method: 'GET', url: '/auth/oidc/login' });
    expect(res.statusCode).toBe(502);
    expect(res.json<{ detail: string }>().detail).toContain(
      `the identity provider ${down} could not be reached`,
    );
    await bare.close();
  });

  it('is off when OIDC_ISSUER is not set', async () => {
    const bare = Fastify();
    const info = await registerOidc(bare, {} as AuthContext, undefined, () => 'http://localhost');
    expect(info()).toEqual({ enabled: false, label: '' });
    expect(bare.hasRoute({ method: 'GET', url: '/auth/oidc/login' })).toBe(false);
    await bare.close();
  });
});

describe('safeReturnTo', () => {
  it('keeps same-site paths and turns everything else into /', () => {
    expect(safeReturnTo('/patients/123?tab=events#top')).toBe('/patients/123?tab=events#top');
    for (const bad of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'patients',
      '',
      '/\tx',
      'javascript:alert(1)',
      undefined,
    ])
      expect(safeReturnTo(bad)).toBe('/');
  });
});
