import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXIT_BROKEN,
  extractLocally,
  formatAuditTable,
  queryLocally,
  verifyLocally,
  verifyMessage,
} from '../src/auth/audit/cli.ts';
import { AuditLog } from '../src/auth/audit/log.ts';
import { purgeAudit } from '../src/auth/audit/purge.ts';
import { type AuditTestDb, auditTestDb, parseCsv, testPrincipal } from '../src/auth/audit/testing.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase } from '../src/db/database.ts';

const local = testPrincipal({
  actorId: 'local-cli',
  actorName: 'outreach CLI (local operator)',
  kind: 'local',
  method: 'local-cli',
});

describe('outreach audit: what the commands do', () => {
  let env: AuditTestDb;
  let ctx: { db: AuditTestDb['db']; clock: AuditTestDb['clock']; config: ReturnType<typeof loadConfig> };
  beforeAll(async () => {
    env = await auditTestDb('2026-03-01T09:00:00Z');
    ctx = { db: env.db, clock: env.clock, config: loadConfig({}) };
    const log = new AuditLog(env.db, env.clock);
    await log.record(
      testPrincipal({ actorName: 'Örjan Åström', role: 'clinical' }),
      {
        action: 'read',
        outcome: 'success',
        resourceType: 'Patient',
        resourceIds: ['p1'],
        patientIds: ['p1'],
        purpose: 'återbesök',
      },
      { ip: '10.0.0.9', client: 'web' },
    );
  });
  afterAll(() => env.close());

  it('verify reports an intact chain and records that it was checked', async () => {
    const result = await verifyLocally(ctx, local);
    expect(verifyMessage(result)).toMatch(/^audit log intact: 1 records, last hash [0-9a-f]{64}$/);
    const [row] = await env.db.query<any>(
      'SELECT actor_id, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(row).toEqual({
      actor_id: 'local-cli',
      action: 'administer',
      detail: 'verified the audit chain: intact, 1 records',
    });
    expect(verifyMessage({ ok: false, records: 4, brokenAt: 5, reason: 'hash mismatch' })).toBe(
      'audit log BROKEN at record 5: hash mismatch (4 records before it verified)',
    );
  });

  it('query prints a table and is recorded as a search of the patients shown', async () => {
    const page = await queryLocally(ctx, local, { patient: 'p1' });
    const table = formatAuditTable(page.records).split('\n');
    expect(table[0]).toMatch(
      /^SEQ\s+TIME \(Europe\/Stockholm\)\s+WHO\s+ROLE\s+ACTION\s+OUTCOME\s+RESOURCE\s+PATIENTS\s+PURPOSE$/,
    );
    expect(table[1]).toMatch(
      /^1\s+2026-03-01 10:00:00\s+Örjan Åström\s+clinical\s+read\s+success\s+Patient\/p1\s+p1\s+återbesök$/,
    );
    const [row] = await env.db.query<any>(
      'SELECT action, patient_ids FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(row).toEqual({ action: 'search', patient_ids: ['p1'] });
  });

  it('extract writes CSV and PDF and is recorded as an export', async () => {
    const csv = await extractLocally(ctx, local, { patient: 'p1', format: 'csv' });
    const rows = parseCsv(csv.body.toString('utf8').slice(1));
    expect(rows.slice(1).map((r) => r[2])).toEqual(['Örjan Åström', 'outreach CLI (local operator)']);
    const pdf = await extractLocally(ctx, local, { patient: 'p1', format: 'pdf', from: '2026-03-01' });
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.records).toBe(3);
    const [row] = await env.db.query<any>(
      'SELECT action, patient_ids FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(row).toEqual({ action: 'export', patient_ids: ['p1'] });
  });

  it('purge keeps the configured retention (default 1826 days)', async () => {
    expect(ctx.config.auditRetentionDays ?? 1826).toBe(1826);
    env.clock.set('2031-03-02T09:00:00Z');
    const r = await purgeAudit(env.db, env.clock, {
      retentionDays: ctx.config.auditRetentionDays,
      principal: local,
      origin: { ip: null, client: 'cli' },
    });
    expect(r.purged).toBe(5);
    expect((await verifyLocally(ctx, local)).ok).toBe(true);
  });
});

// The real command, on the embedded database (as in test/cli.test.ts).
const execFileP = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/outreach.js');
const cliEnv = (dataDir: string) => ({
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: '',
  LOG_LEVEL: 'silent',
  OUTREACH_TOKEN: '',
});

async function outreach(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, ...args], { env: cliEnv(dataDir) });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function startServer(dataDir: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...cliEnv(dataDir), PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      if (/running at http/.test(out)) resolve(proc);
    });
    proc.stderr!.on('data', (d) => {
      out += d;
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

describe('outreach audit on the embedded database', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outreach-audit-cli-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('verify, query, extract; a tampered log exits 4 naming the record', async () => {
    const first = await outreach(dataDir, 'audit', 'verify');
    expect(first).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^audit log intact: 0 records, last hash 0{64}\n$/),
    });
    const q = await outreach(dataDir, 'audit', 'query', '--action', 'administer');
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/outreach CLI \(local operator\)\s+admin\s+administer\s+success\s+AuditEvent/);
    const out = path.join(dataDir, 'extract.pdf');
    const x = await outreach(dataDir, 'audit', 'extract', '--patient', 'p1', '--format', 'pdf', '--out', out);
    expect(x.code).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    expect(
      (await outreach(dataDir, 'audit', 'extract', '--patient', 'p1', '--format', 'xml')).stderr,
    ).toMatch(/--format xml must be csv or pdf/);
    expect((await outreach(dataDir, 'audit', 'query', '--from', 'igår')).stderr).toMatch(
      /from=igår is not a date/,
    );

    const db = await openDatabase({ dataDir });
    try {
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await db.query(`UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 2`);
      await db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    } finally {
      await db.close();
    }
    const broken = await outreach(dataDir, 'audit', 'verify');
    expect(broken.code).toBe(EXIT_BROKEN);
    expect(broken.stderr).toBe(
      'audit log BROKEN at record 2: hash mismatch (1 records before it verified)\n',
    );
  });

  it('while the server runs, the commands go through it', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'outreach-audit-srv-'));
    const server = await startServer(fresh);
    try {
      const v = await outreach(fresh, 'audit', 'verify');
      expect(v.stdout).toMatch(/^audit log intact: \d+ records/);
      const q = await outreach(fresh, 'audit', 'query', '--limit', '5');
      expect(q.code).toBe(0);
      expect(q.stdout).toMatch(/administer/);
      const out = path.join(fresh, 'x.csv');
      const x = await outreach(fresh, 'audit', 'extract', '--patient', 'p1', '--format', 'csv', '--out', out);
      expect(x.code).toBe(0);
      expect(fs.readFileSync(out, 'utf8').startsWith('\uFEFFTid / Time')).toBe(true);
      const p = await outreach(fresh, 'audit', 'purge');
      expect(p.stdout).toMatch(/^nothing to purge: no audit records older than/);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
