import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { FhirError } from '../fhir/outcome.ts';
import { ProblemError } from '../http/errors.ts';
import { type Principal, verifyToken } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface AuthOptions {
  db: Database;
  clock: Clock;
  /**
   * A secret only the local machine knows (written to DATA_DIR/server.json,
   * mode 0600) so `outreach` CLI commands can act through a running server.
   */
  localControlToken?: string;
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Every /fhir and /api request must carry `Authorization: Bearer <token>`. */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (!req.url.startsWith('/fhir') && !req.url.startsWith('/api')) return;
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const deny = (why: string) =>
      req.url.startsWith('/fhir')
        ? new FhirError(401, why, 'login')
        : new ProblemError(401, 'Unauthorized', why);
    if (!m)
      throw deny(
        'missing Authorization header; send "Authorization: Bearer <token>" (create one with: npx outreach token create --name NAME --role admin)',
      );
    const token = m[1];
    if (opts.localControlToken && sameSecret(token, opts.localControlToken)) {
      req.principal = { tokenId: 'local-cli', name: 'outreach CLI (local)', role: 'admin' };
      return;
    }
    const principal = await verifyToken(opts.db, opts.clock, token);
    if (!principal)
      throw deny(
        'the bearer token is unknown, revoked or expired; create a new one with: npx outreach token create',
      );
    req.principal = principal;
  });
}
