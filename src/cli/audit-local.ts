import { cliOrigin } from '../auth/audit/cli.ts';
import type { AuditEntry } from '../auth/audit/entry.ts';
import { AuditLog } from '../auth/audit/log.ts';
import { localPrincipal } from '../auth/plugin.ts';
import type { Runtime } from './runtime.ts';

/**
 * Audits what a CLI command did on the database directly (through a running
 * server, the server audits it). The actor is the local operator: whoever can
 * open DATA_DIR or DATABASE_URL (see src/cli/cli-access.ts).
 */
export async function auditLocally(rt: Pick<Runtime, 'db' | 'clock'>, entry: AuditEntry): Promise<void> {
  const log = new AuditLog(rt.db, rt.clock);
  try {
    await log.record(localPrincipal(), entry, cliOrigin());
  } finally {
    await log.close();
  }
}
