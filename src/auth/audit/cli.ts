import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { callServer, withDatabase } from '../../cli/local.ts';
import type { ServerInfo } from '../../cli/lock.ts';
import { Progress } from '../../cli/progress.ts';
import type { Clock } from '../../config/clock.ts';
import { type Config, loadConfig } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import { localPrincipal } from '../plugin.ts';
import type { Principal } from '../principal.ts';
import { AUDIT_ACTIONS, type AuditAction, type AuditOrigin } from './entry.ts';
import { extractCsv, extractFileName, extractPdf, patientAccessRecords } from './extract.ts';
import { AuditLog } from './log.ts';
import { DEFAULT_RETENTION_DAYS, type PurgeResult, purgeAudit } from './purge.ts';
import { type AuditPage, type AuditQuery, type AuditRecord, MAX_LIMIT, queryAudit } from './query.ts';
import { formatLocal, parseBound } from './time.ts';
import { type VerifyResult, verifyAuditChain } from './verify.ts';

/** `outreach audit verify` exits with this when the chain is broken. */
export const EXIT_BROKEN = 4;

export interface AuditCliContext {
  db: Database;
  clock: Clock;
  config: Config;
}

/** Opens the database for a command, or (embedded database held by a running server) calls the server instead. */
export type AuditRunner = <T>(
  what: string,
  local: (ctx: AuditCliContext) => Promise<T>,
  viaServer?: (server: ServerInfo) => Promise<T>,
) => Promise<T>;

export const defaultAuditRunner: AuditRunner = (what, local, viaServer) =>
  withDatabase(loadConfig(), what, local, viaServer);

/** Where a local command comes from, as the audit log shows it. */
export function cliOrigin(): AuditOrigin {
  return { ip: null, client: `outreach CLI (${os.userInfo().username}@${os.hostname()})` };
}

/** Writes to the log through the group-commit writer and waits for it, as the server does. */
async function recordLocally(
  ctx: AuditCliContext,
  principal: Principal,
  entry: Parameters<AuditLog['record']>[1],
) {
  const log = new AuditLog(ctx.db, ctx.clock);
  try {
    await log.record(principal, entry, cliOrigin());
  } finally {
    await log.close();
  }
}

export function verifyMessage(result: VerifyResult): string {
  return result.ok
    ? `audit log intact: ${result.records} records, last hash ${result.lastHash}`
    : `audit log BROKEN at record ${result.brokenAt}: ${result.reason} (${result.records} records before it verified)`;
}

/** Verifies with progress on stderr for large logs, and records that the check was made. */
export async function verifyLocally(ctx: AuditCliContext, principal: Principal): Promise<VerifyResult> {
  const progress = new Progress('verifying audit log');
  let shown = false;
  const result = await verifyAuditChain(ctx.db, {
    onProgress: (done, total) => {
      if (total < 50_000) return;
      shown = true;
      progress.update(done, total, `${done}/${total} records`);
    },
  });
  if (shown) progress.done();
  await recordLocally(ctx, principal, {
    action: 'administer',
    outcome: 'success',
    resourceType: 'AuditEvent',
    detail: result.ok
      ? `verified the audit chain: intact, ${result.records} records`
      : `verified the audit chain: BROKEN at record ${result.brokenAt} (${result.reason})`,
  });
  return result;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The records as an aligned text table, newest first. */
export function formatAuditTable(records: readonly AuditRecord[]): string {
  const head = [
    'SEQ',
    'TIME (Europe/Stockholm)',
    'WHO',
    'ROLE',
    'ACTION',
    'OUTCOME',
    'RESOURCE',
    'PATIENTS',
    'PURPOSE',
  ];
  const rows = records.map((r) => [
    String(r.seq),
    formatLocal(new Date(r.at)),
    clip(r.actorName, 32),
    clip(r.role, 14),
    r.action,
    r.outcome,
    clip(
      r.resourceType
        ? `${r.resourceType}${r.resourceIds.length === 1 ? `/${r.resourceIds[0]}` : r.resourceIds.length ? ` (${r.resourceIds.length})` : ''}`
        : '',
      32,
    ),
    clip(r.patientIds.join(','), 32),
    clip(`${r.emergency ? '[EMERGENCY] ' : ''}${r.purpose ?? ''}`, 40),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** Queries locally; the query is itself an access to the patients it shows, so it is recorded. */
export async function queryLocally(
  ctx: AuditCliContext,
  principal: Principal,
  q: AuditQuery,
): Promise<AuditPage> {
  const page = await queryAudit(ctx.db, q);
  await recordLocally(ctx, principal, {
    action: 'search',
    outcome: 'success',
    resourceType: 'AuditEvent',
    patientIds: q.patient ? [q.patient] : [...new Set(page.records.flatMap((r) => r.patientIds))],
    detail: `outreach audit query ${JSON.stringify(q)}`,
  });
  return page;
}

export interface ExtractOptions {
  patient: string;
  format: 'csv' | 'pdf';
  from?: string;
  to?: string;
}

/** The extract's bytes, recorded as an export of the patient's data. */
export async function extractLocally(
  ctx: AuditCliContext,
  principal: Principal,
  o: ExtractOptions,
): Promise<{ body: Buffer; records: number }> {
  const records = await patientAccessRecords(ctx.db, o.patient, { from: o.from, to: o.to });
  const generatedAt = ctx.clock.now();
  const body =
    o.format === 'csv'
      ? Buffer.from(extractCsv(o.patient, records), 'utf8')
      : await extractPdf(o.patient, records, { range: { from: o.from, to: o.to }, generatedAt });
  await recordLocally(ctx, principal, {
    action: 'export',
    outcome: 'success',
    resourceType: 'AuditEvent',
    patientIds: [o.patient],
    detail: `access log extract (${o.format}, ${records.length} records) by outreach audit extract`,
  });
  return { body, records: records.length };
}

function retentionOption(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--retention-days ${value} must be a whole number of days ≥ 1`);
  return n;
}

function limitOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new Error(`--limit ${value} must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

function checkBounds(o: { from?: string; to?: string }): void {
  if (o.from) parseBound(o.from, 'from');
  if (o.to) parseBound(o.to, 'to');
}

async function fetchBytes(server: ServerInfo, path: string): Promise<Buffer> {
  const res = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${process.env.OUTREACH_TOKEN || server.token}` },
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let detail = body.toString('utf8');
    try {
      detail = JSON.parse(detail).detail ?? detail;
    } catch {}
    throw new Error(`server answered ${res.status}: ${detail}`);
  }
  return body;
}

const queryString = (o: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(o).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '') as [
      string,
      string,
    ][],
  ).toString();

export function registerAuditCommands(program: Command, run: AuditRunner = defaultAuditRunner): void {
  const audit = program
    .command('audit')
    .description(
      'the audit log: verify its hash chain, query it, extract a patient’s access log, purge old records',
    );
  const principal = () => localPrincipal();

  audit
    .command('verify')
    .description(
      `check the hash chain from its anchor; exit ${EXIT_BROKEN} and name the first broken record if it is not intact`,
    )
    .action(async () => {
      const result = await run(
        'audit verify',
        (ctx) => verifyLocally(ctx, principal()),
        async (s) => (await callServer(s, 'POST', '/api/audit/verify')).body as VerifyResult,
      );
      if (result.ok) process.stdout.write(`${verifyMessage(result)}\n`);
      else {
        process.stderr.write(`${verifyMessage(result)}\n`);
        process.exitCode = EXIT_BROKEN;
      }
    });

  audit
    .command('query')
    .description('list audit records, newest first')
    .option('--user <user>', 'actor id or name (a user’s e-mail)')
    .option('--patient <id>', 'patient id')
    .option('--action <action>', AUDIT_ACTIONS.join(', '))
    .option('--from <when>', 'YYYY-MM-DD (Europe/Stockholm day) or ISO instant, inclusive')
    .option('--to <when>', 'YYYY-MM-DD (that day included) or ISO instant (exclusive)')
    .option('--limit <n>', `records (default 100, at most ${MAX_LIMIT})`)
    .option('--before <seq>', 'older than this record (the "next" printed by the previous page)')
    .action(
      async (o: {
        user?: string;
        patient?: string;
        action?: string;
        from?: string;
        to?: string;
        limit?: string;
        before?: string;
      }) => {
        if (o.action && !(AUDIT_ACTIONS as readonly string[]).includes(o.action))
          throw new Error(`--action ${o.action} is not one of: ${AUDIT_ACTIONS.join(', ')}`);
        checkBounds(o);
        const q: AuditQuery = {
          user: o.user,
          patient: o.patient,
          action: o.action as AuditAction | undefined,
          from: o.from,
          to: o.to,
          limit: limitOption(o.limit),
          before: o.before,
        };
        const page = await run(
          'audit query',
          (ctx) => queryLocally(ctx, principal(), q),
          async (s) => (await callServer(s, 'GET', `/api/audit?${queryString({ ...q })}`)).body as AuditPage,
        );
        if (page.records.length === 0) process.stdout.write('no audit records match\n');
        else process.stdout.write(`${formatAuditTable(page.records)}\n`);
        if (page.next) process.stdout.write(`more: --before ${page.next}\n`);
      },
    );

  audit
    .command('extract')
    .description('write a patient’s access log extract (who accessed my data) as CSV or PDF')
    .requiredOption('--patient <id>', 'patient id')
    .option('--format <format>', 'csv or pdf', 'pdf')
    .option('--from <when>', 'YYYY-MM-DD or ISO instant')
    .option('--to <when>', 'YYYY-MM-DD (included) or ISO instant')
    .option('--out <file>', 'output file (default audit-extract-<patient>-<date>.<format>)')
    .action(async (o: { patient: string; format: string; from?: string; to?: string; out?: string }) => {
      if (o.format !== 'csv' && o.format !== 'pdf')
        throw new Error(`--format ${o.format} must be csv or pdf`);
      const format = o.format;
      checkBounds(o);
      const { body, records } = await run<{ body: Buffer; records: number | undefined }>(
        'audit extract',
        (ctx) => extractLocally(ctx, principal(), { patient: o.patient, format, from: o.from, to: o.to }),
        async (s) => ({
          body: await fetchBytes(
            s,
            `/api/audit/extract?${queryString({ patient: o.patient, format, from: o.from, to: o.to })}`,
          ),
          records: undefined,
        }),
      );
      const out = o.out ?? extractFileName(o.patient, new Date(), format);
      fs.writeFileSync(out, body);
      process.stdout.write(
        `wrote ${out}${records === undefined ? '' : ` (${records} records)`} for patient ${o.patient}\n`,
      );
    });

  audit
    .command('purge')
    .description(
      'remove records older than the retention period (AUDIT_RETENTION_DAYS, default 1826 days = 5 years)',
    )
    .option('--retention-days <n>', 'keep this many days')
    .action(async (o: { retentionDays?: string }) => {
      const days = retentionOption(
        o.retentionDays,
        loadConfig().auditRetentionDays ?? DEFAULT_RETENTION_DAYS,
      );
      if (days < DEFAULT_RETENTION_DAYS)
        process.stderr.write(
          `warning: a retention of ${days} days is less than five years; HSLF-FS 2016:40 4 kap. 9 § asks that access logs be kept at least five years\n`,
        );
      const result = await run(
        'audit purge',
        (ctx) =>
          purgeAudit(ctx.db, ctx.clock, { retentionDays: days, principal: principal(), origin: cliOrigin() }),
        async (s) =>
          (await callServer(s, 'POST', '/api/audit/purge', { retentionDays: days })).body as PurgeResult,
      );
      process.stdout.write(
        result.purged > 0
          ? `purged ${result.purged} audit records older than ${result.before}; the chain now starts after record ${result.throughSeq}\n`
          : `nothing to purge: no audit records older than ${result.before}\n`,
      );
    });
}
