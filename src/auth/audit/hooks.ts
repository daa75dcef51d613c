import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../principal.ts';
import type { AuditEntry, AuditOrigin, AuditOutcome } from './entry.ts';
import type { AuditLog } from './log.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** What this request did to patient data; written to the audit log before the response goes out. */
    auditEntries: AuditEntry[] | null;
  }
}

/** The acting principal, when the auth hook has set one. */
export function principalOf(req: FastifyRequest): Principal | null {
  return (req as unknown as { principal?: Principal }).principal ?? null;
}

export function originOf(req: FastifyRequest): AuditOrigin {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, client: typeof ua === 'string' && ua !== '' ? ua : null };
}

/**
 * Notes an access of the current request. It is written (and committed)
 * before the response is sent; if that fails, the client gets a 500 instead
 * of the data.
 */
export function audit(req: FastifyRequest, entry: AuditEntry): void {
  if (!('auditEntries' in req))
    throw new Error(
      'audit(): registerAuditHooks() was not called on this Fastify instance; refusing to serve unaudited data',
    );
  req.auditEntries ??= [];
  req.auditEntries.push(entry);
}

/** An entry noted as a success whose response failed is recorded as what happened. */
function outcomeFor(entry: AuditEntry, status: number): AuditOutcome {
  if (entry.outcome !== 'success' || status < 400) return entry.outcome;
  return status === 401 || status === 403 ? 'denied' : 'error';
}

export function registerAuditHooks(app: FastifyInstance, log: AuditLog): void {
  app.decorateRequest('auditEntries', null);
  // ??=: a hook registered earlier (authentication) may already have noted a failed sign-in.
  app.addHook('onRequest', async (req) => {
    req.auditEntries ??= [];
  });
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const entries = req.auditEntries;
    if (!entries || entries.length === 0) return payload;
    // Taken off first: if writing fails, the 500 that follows passes through here again.
    req.auditEntries = [];
    const principal = principalOf(req);
    const origin = originOf(req);
    await Promise.all(
      entries.map((e) => log.record(principal, { ...e, outcome: outcomeFor(e, reply.statusCode) }, origin)),
    );
    return payload;
  });
  app.addHook('onClose', async () => {
    await log.flush();
  });
}
