import fs from 'node:fs';
import type { Command } from 'commander';
import { auditLocally } from '../cli/audit-local.ts';
import { withDatabase } from '../cli/local.ts';
import type { ServerInfo } from '../cli/lock.ts';
import { fmt, Progress } from '../cli/progress.ts';
import { loadConfig } from '../config/config.ts';
import { splitOverride } from './csv/fields.ts';
import { formatRowError } from './csv/rows.ts';
import { type ImportContactsResult, ImportRefused, importContacts } from './import-contacts.ts';
import { SOURCE_KINDS, type SourceKind } from './model.ts';
import { ensureSource, listSources } from './sources.ts';
import { subscribePatientSync } from './sync.ts';

/** `outreach import-contacts` exits with this when some rows were rejected (the rest are imported). */
export const EXIT_SOME_REJECTED = 3;

const collect = (v: string, prev: string[]) => [...prev, v];

function mapOption(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of list) {
    const pair = splitOverride(m);
    if (!pair) throw new Error(`--map ${m}: write it as column=field, e.g. --map "Mobilnr=mobile"`);
    out[pair[0]] = pair[1];
  }
  return out;
}

function printImport(r: ImportContactsResult, dryRun: boolean): void {
  const out = process.stdout;
  out.write(`${r.encoding}, delimiter '${r.delimiter === '\t' ? '\\t' : r.delimiter}'\n`);
  out.write('columns:\n');
  for (const m of r.mapping) out.write(`  ${m.column.padEnd(28)} → ${m.field}\n`);
  for (const u of r.unmapped)
    out.write(`  ${u.padEnd(28)}   (not imported; map it with --map "${u}=field")\n`);
  out.write(`${fmt(r.total)} rows: ${fmt(r.accepted)} accepted, ${fmt(r.rejected)} rejected\n`);
  for (const e of r.errors.slice(0, 20)) out.write(`  ${formatRowError(e)}\n`);
  if (r.errors.length > 20) out.write(`  … and ${fmt(r.errors.length - 20)} more\n`);
  if (dryRun) {
    out.write('dry run: nothing stored. First rows as they would be imported:\n');
    for (const p of r.preview.slice(0, 5))
      out.write(
        `  row ${p.row}: ${[...p.record.given, p.record.family].filter(Boolean).join(' ')} ${p.record.personnummer ?? ''} ${p.record.emails.join(' ')} ${p.record.phones.join(' ')}\n`,
      );
    return;
  }
  const s = r.stats;
  if (s)
    out.write(
      `source '${r.source}': ${fmt(s.created)} new, ${fmt(s.updated)} changed, ${fmt(s.unchanged)} unchanged, ${fmt(s.suppressed)} suppressed (erased people)\n` +
        `profiles: ${fmt(s.profilesCreated)} new, ${fmt(s.joined)} records joined an existing profile, ${fmt(s.merged)} merged, ${fmt(s.conflicts)} possible duplicates to review; ${fmt(s.consents)} consent entries\n`,
    );
}

async function viaServer(
  server: ServerInfo,
  file: string,
  o: { source: string; map: string[]; dryRun?: boolean },
) {
  const qs = new URLSearchParams();
  for (const m of o.map) qs.append('map', m);
  if (o.dryRun) qs.set('dryRun', 'true');
  const res = await fetch(`${server.url}/api/sources/${encodeURIComponent(o.source)}/contacts?${qs}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${process.env.OUTREACH_TOKEN || server.token}`,
      'content-type': 'text/csv',
    },
    body: fs.readFileSync(file),
  });
  const json = (await res.json()) as ImportContactsResult & { detail?: string };
  if (!res.ok) throw new Error(`server answered ${res.status}: ${json.detail ?? ''}`);
  return json;
}

/**
 * Imports one contact list, on the database or through the running server,
 * and prints what happened (also used by `outreach demo`).
 */
export async function importContactFile(
  file: string,
  o: { source: string; map: string[]; dryRun?: boolean },
): Promise<ImportContactsResult> {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
  const overrides = mapOption(o.map);
  const started = performance.now();
  const result = await withDatabase(
    loadConfig(),
    'import-contacts',
    async (rt) => {
      const progress = new Progress('unifying');
      try {
        const r = await importContacts(rt.db, fs.readFileSync(file), {
          source: o.source,
          overrides,
          actor: 'local-cli',
          now: rt.clock.now(),
          dryRun: o.dryRun,
          onProgress: (done, total) => progress.update(done, total, `${fmt(done)}/${fmt(total)} records`),
        });
        progress.done();
        await auditLocally(rt, {
          action: o.dryRun ? 'read' : 'create',
          outcome: 'success',
          resourceType: 'SourceRecord',
          detail: `contact list ${file} into ${o.source}: ${r.accepted} accepted, ${r.rejected} rejected${o.dryRun ? ' (dry run)' : ''}`,
        });
        return r;
      } catch (err) {
        if (err instanceof ImportRefused) throw new Error(err.message);
        throw err;
      }
    },
    (server) => viaServer(server, file, o),
  );
  printImport(result, o.dryRun === true);
  const secs = (performance.now() - started) / 1000;
  if (!o.dryRun) process.stdout.write(`${fmt(result.accepted)} records in ${secs.toFixed(1)} s\n`);
  return result;
}

/**
 * Catches profiles up with the clinical store and returns how many EHR records
 * were unified; with a server running it does that itself, so nothing is done here.
 */
export async function syncProfiles(): Promise<number> {
  return withDatabase(
    loadConfig(),
    'profiles sync',
    async (rt) => {
      const progress = new Progress('unifying');
      let total = 0;
      const sub = subscribePatientSync(rt.store, rt.clock, {
        onBatch: (s) => {
          total += s.received;
          progress.update(total, undefined, `${fmt(total)} patient records`);
        },
      });
      try {
        await sub.drain();
      } finally {
        await sub.stop();
        progress.done();
      }
      return total;
    },
    async () => 0,
  );
}

export function patientCommands(program: Command): void {
  program
    .command('import-contacts')
    .description('import a contact list (CSV) into a source and unify it with the profiles')
    .argument(
      '<file>',
      'CSV file: UTF-8 or Windows-1252, comma or semicolon separated, Swedish or English headers',
    )
    .requiredOption('--source <name>', 'source name, e.g. crm-2026 (registered as a CSV source if new)')
    .option(
      '--map <column=field>',
      'map a column to a field (repeatable); fields: personnummer, givenName, familyName, fullName, birthDate, gender, email, phone, mobile, street, postalCode, city, country, language, externalId, identifier, consentEmail, consentSms, ignore',
      collect,
      [],
    )
    .option('--dry-run', 'parse and show the mapping and errors; store nothing')
    .action(async (file: string, o: { source: string; map: string[]; dryRun?: boolean }) => {
      const result = await importContactFile(file, o);
      if (result.rejected > 0) process.exitCode = EXIT_SOME_REJECTED;
    });

  const sources = program.command('sources').description('person sources that feed unification');
  sources
    .command('list')
    .description('list registered sources')
    .action(async () => {
      const list = await withDatabase(loadConfig(), 'sources list', (rt) => listSources(rt.db));
      for (const s of list)
        process.stdout.write(
          `${s.name.padEnd(24)} ${s.kind.padEnd(8)} priority ${String(s.priority).padStart(4)}  ${s.label}\n`,
        );
    });
  sources
    .command('add')
    .description('register a source')
    .argument('<name>', 'e.g. crm-2026')
    .requiredOption('--kind <kind>', `one of ${SOURCE_KINDS.join(', ')}`)
    .option('--priority <n>', 'survivorship priority (higher wins)')
    .option('--label <text>', 'a human name')
    .action(async (name: string, o: { kind: string; priority?: string; label?: string }) => {
      if (!SOURCE_KINDS.includes(o.kind as SourceKind))
        throw new Error(`--kind ${o.kind}: use one of ${SOURCE_KINDS.join(', ')}`);
      const s = await withDatabase(loadConfig(), 'sources add', (rt) =>
        ensureSource(
          rt.db,
          {
            name,
            kind: o.kind as SourceKind,
            label: o.label,
            priority: o.priority ? Number(o.priority) : undefined,
          },
          rt.clock.now(),
        ),
      );
      process.stdout.write(`${s.name} (${s.kind}, priority ${s.priority})\n`);
    });

  program
    .command('profiles')
    .description('profile maintenance')
    .command('sync')
    .description('bring profiles up to date with the clinical store (the server does this continuously)')
    .action(async () => {
      const n = await syncProfiles();
      process.stdout.write(`${fmt(n)} patient records unified\n`);
    });
}
