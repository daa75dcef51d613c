import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_MS, MAX_FAILURES } from '../src/auth/signin.ts';
import { createUser } from '../src/auth/users.ts';
import { signInAs, type TestServer, testServer } from './helpers.ts';

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
});
afterAll(() => s?.close());

const json = { 'content-type': 'application/json' };
const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/api/auth/login`, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify({ email, password }),
  });
const me = (headers: Record<string, string>) => fetch(`${s.url}/api/auth/me`, { headers });

describe('sign-in with e-mail and password', () => {
  it('sets an HttpOnly SameSite session cookie and answers who is signed in', async () => {
    await createUser(s.db, s.clock, {
      email: 'Anna.Berg@Region.example.se',
      name: 'Anna Berg',
      role: 'clinical',
      password: 'långt lösenord för test',
    });
    const res = await login('anna.berg@region.example.se', 'långt lösenord för test');
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^po_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http here; behind TLS it is Secure
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      email: 'anna.berg@region.example.se',
      name: 'Anna Berg',
      role: 'clinical',
      method: 'password',
    });
    expect(body.permissions).toContain('clinical:read');
    expect(body.roleLabel.sv).toBe('Klinisk användare');
    const again = await me({ cookie: cookie.split(';')[0] });
    expect(((await again.json()) as any).email).toBe('anna.berg@region.example.se');
  });

  it('refuses a wrong password with one message for unknown e-mails and wrong passwords', async () => {
    const wrong = await login('anna.berg@region.example.se', 'fel lösenord');
    const unknown = await login('nobody@region.example.se', 'fel lösenord');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as any).detail).toBe(((await unknown.json()) as any).detail);
  });

  it(`locks the account after ${MAX_FAILURES} wrong passwords, until the lock ends`, async () => {
    await createUser(s.db, s.clock, {
      email: 'locked@region.example.se',
      name: 'L',
      role: 'outreach',
      password: 'ett riktigt bra lösenord',
    });
    const statuses: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++)
      statuses.push(
        (await login('locked@region.example.se', 'wrong', { 'x-forwarded-for': '10.0.0.1' })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    const right = await login('locked@region.example.se', 'ett riktigt bra lösenord');
    expect(right.status).toBe(423);
    expect(((await right.json()) as any).detail).toMatch(/locked until/);
    s.clock.advance(LOCK_MS + 1000);
    expect((await login('locked@region.example.se', 'ett riktigt bra lösenord')).status).toBe(200);
  });

  it('throttles an address that fails too often, whatever the account', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 25; i++) statuses.add((await login(`guess${i}@region.example.se`, 'x')).status);
    expect(statuses.has(429)).toBe(true);
    const res = await login('anna.berg@region.example.se', 'långt lösenord för test');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    s.clock.advance(16 * 60_000);
    expect((await login('anna.berg@region.example.se', 'långt lösenord för test')).status).toBe(200);
  });
});

describe('sessions', () => {
  it('needs the CSRF header on cookie-authenticated writes', async () => {
    const b = await signInAs(s, 'admin');
    const body = JSON.stringify({ id: 'vc-csrf', name: 'VC', refs: [] });
    const without = await fetch(`${s.url}/api/care-units`, {
      method: 'POST',
      headers: { ...json, cookie: b.headers.cookie },
      body,
    });
    expect(without.status).toBe(403);
    expect(((await without.json()) as any).detail).toMatch(/x-csrf-token/);
    const withIt = await fetch(`${s.url}/api/care-units`, {
      method: 'POST',
      headers: { ...json, ...b.headers },
      body,
    });
    expect(withIt.status).toBe(201);
  });

  it('ends after the idle timeout and after sign-out', async () => {
    const b = await signInAs(s, 'outreach');
    expect((await me(b.headers)).status).toBe(200);
    s.clock.advance(31 * 60_000);
    const idle = await me(b.headers);
    expect(idle.status).toBe(401);
    expect(((await idle.json()) as any).detail).toMatch(/session has ended/);

    const c = await signInAs(s, 'outreach');
    const out = await fetch(`${s.url}/api/auth/logout`, { method: 'POST', headers: c.headers });
    expect(out.status).toBe(204);
    expect((await me(c.headers)).status).toBe(401);
  });

  it('ends at the absolute lifetime even when used', async () => {
    const b = await signInAs(s, 'outreach');
    for (let h = 0; h < 26; h++) {
      s.clock.advance(29 * 60_000);
      if ((await me(b.headers)).status !== 200) break;
    }
    expect((await me(b.headers)).status).toBe(401);
  });

  it('changes the password, keeping this session and ending the others', async () => {
    const first = await signInAs(s, 'event-planner', {
      email: 'pw@region.example.se',
      password: 'första lösenordet',
    });
    const secondRes = await login('pw@region.example.se', 'första lösenordet');
    const second = { cookie: secondRes.headers.get('set-cookie')!.split(';')[0] };
    const short = await fetch(`${s.url}/api/auth/password`, {
      method: 'POST',
      headers: { ...json, ...first.headers },
      body: JSON.stringify({ currentPassword: 'första lösenordet', newPassword: 'kort' }),
    });
    expect(short.status).toBe(400);
    expect(((await short.json()) as any).detail).toMatch(/newPassword: .*at least 12/);
    const ok = await fetch(`${s.url}/api/auth/password`, {
      method: 'POST',
      headers: { ...json, ...first.headers },
      body: JSON.stringify({
        currentPassword: 'första lösenordet',
        newPassword: 'andra lösenordet är längre',
      }),
    });
    expect(ok.status).toBe(204);
    expect((await me(first.headers)).status).toBe(200);
    expect((await me(second)).status).toBe(401);
    expect((await login('pw@region.example.se', 'första lösenordet')).status).toBe(401);
    expect((await login('pw@region.example.se', 'andra lösenordet är längre')).status).toBe(200);
  });

  it('a disabled user is signed out at once and cannot sign in', async () => {
    const admin = await signInAs(s, 'admin');
    const victim = await signInAs(s, 'clinical', {
      email: 'leaver@region.example.se',
      password: 'lösenord som slutar',
    });
    const res = await fetch(`${s.url}/api/users/${victim.userId}`, {
      method: 'PATCH',
      headers: { ...json, ...admin.headers },
      body: JSON.stringify({ disabled: true }),
    });
    expect(res.status).toBe(200);
    expect((await me(victim.headers)).status).toBe(401);
    expect((await login('leaver@region.example.se', 'lösenord som slutar')).status).toBe(401);
  });
});

describe('users, set-up links and tokens', () => {
  it('creates a user without a password and lets them choose one through the one-time link', async () => {
    const admin = await signInAs(s, 'admin');
    const res = await fetch(`${s.url}/api/users`, {
      method: 'POST',
      headers: { ...json, ...admin.headers },
      body: JSON.stringify({ email: 'ny@region.example.se', name: 'Ny Användare', role: 'non-clinical' }),
    });
    expect(res.status).toBe(201);
    const { user, setupUrl } = (await res.json()) as any;
    expect(user).toMatchObject({
      email: 'ny@region.example.se',
      role: 'non-clinical',
      disabled: false,
      lastSignInAt: null,
    });
    const token = new URL(setupUrl).searchParams.get('token')!;
    const setup = (password: string) =>
      fetch(`${s.url}/api/auth/setup`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ token, password }),
      });
    expect((await setup('kort')).status).toBe(400);
    expect((await setup('mitt nya fina lösenord')).status).toBe(204);
    expect((await setup('mitt nya fina lösenord')).status).toBe(400); // used once
    expect((await login('ny@region.example.se', 'mitt nya fina lösenord')).status).toBe(200);
  });

  it('names the field and the fix for bad user input', async () => {
    const admin = await signInAs(s, 'admin');
    const post = (body: unknown) =>
      fetch(`${s.url}/api/users`, {
        method: 'POST',
        headers: { ...json, ...admin.headers },
        body: JSON.stringify(body),
      });
    const badRole = await post({ email: 'x@region.example.se', role: 'superuser' });
    expect(badRole.status).toBe(400);
    expect(((await badRole.json()) as any).detail).toMatch(/role 'superuser' is unknown/);
    const badUnit = await post({ email: 'y@region.example.se', role: 'clinical', careUnits: ['nope'] });
    expect(((await badUnit.json()) as any).detail).toMatch(/careUnits: nope unknown/);
    const dup = await post({ email: 'ANNA.BERG@region.example.se', role: 'clinical' });
    expect(dup.status).toBe(409);
  });

  it('token secrets are shown once, listed never; user tokens act as the user; expired and revoked tokens stop', async () => {
    const admin = await signInAs(s, 'admin');
    const planner = await signInAs(s, 'event-planner');
    const create = async (body: unknown) =>
      fetch(`${s.url}/api/tokens`, {
        method: 'POST',
        headers: { ...json, ...admin.headers },
        body: JSON.stringify(body),
      });
    const res = await create({
      name: 'planner laptop',
      role: 'event-planner',
      userId: planner.userId,
      expiresAt: new Date(s.clock.now().getTime() + 3600_000).toISOString(),
    });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as any;
    const asToken = { authorization: `Bearer ${token}` };
    const who = (await (await me(asToken)).json()) as any;
    expect(who).toMatchObject({ email: planner.email, role: 'event-planner', method: 'token' });
    const list = await (await fetch(`${s.url}/api/tokens`, { headers: admin.headers })).text();
    expect(list).toContain('planner laptop');
    expect(list).not.toContain(token);
    s.clock.advance(3600_001);
    expect((await me(asToken)).status).toBe(401);

    // An hour on, the administrator's session has idled out: sign in again.
    const admin2 = await signInAs(s, 'admin');
    const other = (await (
      await fetch(`${s.url}/api/tokens`, {
        method: 'POST',
        headers: { ...json, ...admin2.headers },
        body: JSON.stringify({ name: 'crm sync', role: 'integration-admin' }),
      })
    ).json()) as any;
    const otherAuth = { authorization: `Bearer ${other.token}` };
    expect((await me(otherAuth)).status).toBe(200);
    expect(
      (await fetch(`${s.url}/api/tokens/${other.id}`, { method: 'DELETE', headers: admin2.headers })).status,
    ).toBe(204);
    expect((await me(otherAuth)).status).toBe(401);
  });

  it('custom roles are composed from permissions and enforced', async () => {
    const admin = await signInAs(s, 'admin');
    const res = await fetch(`${s.url}/api/roles`, {
      method: 'POST',
      headers: { ...json, ...admin.headers },
      body: JSON.stringify({
        name: 'auditor',
        label: { en: 'Auditor', sv: 'Granskare' },
        permissions: ['audit:read', 'audit:verify'],
      }),
    });
    expect(res.status).toBe(201);
    const bad = await fetch(`${s.url}/api/roles`, {
      method: 'POST',
      headers: { ...json, ...admin.headers },
      body: JSON.stringify({
        name: 'broken',
        label: { en: 'B', sv: 'B' },
        permissions: ['patients:everything'],
      }),
    });
    expect(((await bad.json()) as any).detail).toMatch(/patients:everything unknown/);
    const auditor = await signInAs(s, 'auditor');
    expect((await fetch(`${s.url}/api/audit?limit=5`, { headers: auditor.headers })).status).toBe(200);
    const denied = await fetch(`${s.url}/api/users`, { headers: auditor.headers });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).detail).toMatch(/needs the permission user:read/);
    const inUse = await fetch(`${s.url}/api/roles/auditor`, { method: 'DELETE', headers: admin.headers });
    expect(inUse.status).toBe(409);
  });
});
