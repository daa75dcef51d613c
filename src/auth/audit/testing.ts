import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../config/clock.ts';
import { type Database, openDatabase } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { PERMISSION_IDS, type Permission } from '../permissions.ts';
import type { Principal } from '../principal.ts';
import { auditMigrations } from './migrations.ts';
import type { AuditRecord } from './query.ts';

/** For tests: a principal with the given role and permissions (all by default). */
export function testPrincipal(over: Partial<Principal> = {}): Principal {
  return {
    actorId: 'u-1',
    actorName: 'anna.andersson@region.example',
    kind: 'user',
    userId: 'u-1',
    tokenId: null,
    sessionId: 's-1',
    method: 'password',
    role: 'admin',
    permissions: new Set<Permission>(PERMISSION_IDS),
    careUnits: ['vc-ekhagen'],
    ...over,
  };
}

export interface AuditTestDb {
  db: Database;
  clock: ManualClock;
  /** Opens another connection pool on the same database (PostgreSQL only), as a second server process would. */
  second(): Promise<Database | null>;
  close(): Promise<void>;
}

/**
 * A fresh database for one test file, like test/helpers.ts testEnv: PGlite in
 * memory, or a private schema on PostgreSQL when DATABASE_URL is set. The
 * audit migrations are applied here if db/migrate.ts does not list them.
 */
export async function auditTestDb(start = '2026-01-01T00:00:00Z'): Promise<AuditTestDb> {
  const url = process.env.DATABASE_URL;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase(url ? { databaseUrl: url, schema } : {});
  await migrate(db);
  const [row] = await db.query<{ present: boolean }>(
    `SELECT to_regclass('audit_log') IS NOT NULL AS present`,
  );
  if (!row.present) for (const m of Object.values(auditMigrations)) await m.up(db.kysely);
  const others: Database[] = [];
  return {
    db,
    clock: new ManualClock(start),
    async second() {
      if (!url) return null;
      const other = await openDatabase({ databaseUrl: url, schema });
      others.push(other);
      return other;
    },
    async close() {
      for (const o of others) await o.close();
      if (url) await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}

/** For tests: one audit record as the API returns it. */
export function testRecord(over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq: 1,
    at: '2026-03-29T12:30:00.000Z',
    actorId: 'u-1',
    actorName: 'Åsa Öberg',
    actorKind: 'user',
    method: 'password',
    role: 'clinical',
    careUnits: ['vc-ekhagen'],
    action: 'read',
    outcome: 'success',
    resourceType: 'Patient',
    resourceIds: ['p1'],
    patientIds: ['p1'],
    ip: '10.0.0.7',
    client: 'Mozilla/5.0',
    purpose: null,
    emergency: false,
    detail: null,
    ...over,
  };
}

/** For tests: the text of an uncompressed pdfkit PDF, one line per text run (WinAnsi decoded as Latin-1). */
export function pdfText(pdf: Buffer): string {
  const s = pdf.toString('latin1');
  const runs = s.match(/\[(?:<[0-9a-f]*>|\s|-?[\d.]+)*\] TJ/g) ?? [];
  return runs
    .map((run) =>
      [...run.matchAll(/<([0-9a-f]*)>/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1')).join(''),
    )
    .join('\n');
}

/** For tests: RFC 4180 CSV into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
