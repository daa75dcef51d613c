import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createToken } from '../src/auth/tokens.ts';
import { createUser } from '../src/auth/users.ts';
import { ManualClock } from '../src/config/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { ChangeFeed } from '../src/fhir/changes.ts';
import { FhirStore } from '../src/fhir/store.ts';
import { buildApp } from '../src/http/app.ts';

export interface TestEnv {
  db: Database;
  clock: ManualClock;
  feed: ChangeFeed;
  store: FhirStore;
  dialect: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * A fresh database for one test file: PGlite in memory by default, or a
 * private schema on the PostgreSQL server when DATABASE_URL is set (dropped
 * again on close), so runs never see each other's data.
 */
export async function testEnv(start = '2026-01-01T00:00:00Z'): Promise<TestEnv> {
  const url = process.env.DATABASE_URL;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase(url ? { databaseUrl: url, schema } : {});
  await migrate(db);
  const clock = new ManualClock(start);
  const feed = new ChangeFeed(db);
  const store = new FhirStore(db, clock, feed);
  return {
    db,
    clock,
    feed,
    store,
    dialect: db.dialect,
    async close() {
      if (url) await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}

export interface TestServer extends TestEnv {
  app: FastifyInstance;
  token: string;
  url: string;
  auth: { authorization: string };
}

/** The real HTTP server on a free port, with an admin token. */
export async function testServer(start?: string): Promise<TestServer> {
  const env = await testEnv(start);
  const config = loadConfig({ LOG_LEVEL: 'silent' }, { port: 0, host: '127.0.0.1' });
  const app = await buildApp({ config, db: env.db, clock: env.clock, store: env.store, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { token } = await createToken(env.db, env.clock, { name: 'test', role: 'admin' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    ...env,
    app,
    token,
    url,
    auth: { authorization: `Bearer ${token}` },
    async close() {
      await app.close();
      await env.close();
    },
  };
}

/** A bearer header for an integration token of `role` (care units for roles that are not organisation-wide). */
export async function roleAuth(
  s: TestEnv,
  role: string,
  careUnits: string[] = [],
): Promise<{ authorization: string }> {
  const { token } = await createToken(s.db, s.clock, { name: `test ${role}`, role, careUnits });
  return { authorization: `Bearer ${token}` };
}

export interface Browser {
  /** Headers for a cookie-authenticated request (with the CSRF token for writes). */
  headers: { cookie: string; 'x-csrf-token': string };
  userId: string;
  email: string;
}

let userCount = 0;

/** Creates a user and signs in through POST /api/auth/login, like the web app does. */
export async function signInAs(
  s: TestServer,
  role: string,
  opts: { careUnits?: string[]; email?: string; password?: string } = {},
): Promise<Browser> {
  const email = opts.email ?? `user${++userCount}.${role}@region.example.se`;
  const password = opts.password ?? 'correct horse battery staple';
  const { id } = await createUser(s.db, s.clock, {
    email,
    name: `Test ${role}`,
    role,
    careUnits: opts.careUnits,
    password,
  });
  const res = await fetch(`${s.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const me = (await res.json()) as { csrfToken: string };
  return { headers: { cookie, 'x-csrf-token': me.csrfToken }, userId: id, email };
}
