import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { type ImportSummary, importPaths } from '../fhir/import/import-paths.ts';
import { listInputs } from '../fhir/import/sources.ts';
import { auditLocally } from './audit-local.ts';
import { callServer, withDatabase } from './local.ts';
import type { ServerInfo } from './lock.ts';
import { fmt, Progress } from './progress.ts';

/** Exit code when the import finished but some lines or entries were rejected. */
export const EXIT_PARTIAL = 3;

export function printSummary(
  summary: Pick<ImportSummary, 'types' | 'totals' | 'errorCount'>,
  seconds: number,
): void {
  const out = process.stdout;
  out.write(
    `${'type'.padEnd(24)}${['read', 'created', 'updated', 'unchanged', 'failed'].map((h) => h.padStart(11)).join('')}\n`,
  );
  const rows = Object.entries(summary.types).sort((a, b) => b[1].read - a[1].read);
  for (const [type, t] of [...rows, ['total', summary.totals] as const]) {
    out.write(
      `${type.padEnd(24)}${[t.read, t.created, t.updated, t.unchanged, t.failed].map((n) => fmt(n).padStart(11)).join('')}\n`,
    );
  }
  const rate = seconds > 0 ? summary.totals.read / seconds : 0;
  out.write(
    `${fmt(summary.totals.read)} resources in ${seconds.toFixed(1)} s (${fmt(Math.round(rate))}/s), ${fmt(summary.errorCount)} rejected\n`,
  );
}

/** Imports into the database directly (shows progress, prints every rejected line). */
export async function importLocally(paths: string[]): Promise<ImportSummary> {
  return withDatabase(
    loadConfig(),
    'import',
    async (rt) => {
      const progress = new Progress('importing');
      const summary = await importPaths(rt.store, paths, {
        onProgress: (p) =>
          progress.update(
            p.bytes,
            p.totalBytes,
            `${fmt(p.resources)} resources, ${fmt(Math.round(p.perSecond))}/s, ${fmt(p.errors)} rejected`,
          ),
        onError: (e) => {
          progress.done();
          process.stderr.write(`${e.message}\n`);
        },
      });
      progress.done();
      const counts = Object.entries(summary.types).map(
        ([t, c]) => `${t} ${c.created + c.updated + c.unchanged}`,
      );
      await auditLocally(rt, {
        action: 'create',
        outcome: 'success',
        resourceType: 'Bundle',
        detail: `import ${paths.join(' ')}: ${counts.join(', ')}; ${summary.errorCount} rejected`,
      });
      return summary;
    },
    (server) => importViaServer(server, paths),
  );
}

/** With a server holding the embedded database: ask it to import the same files ($import with file:// URLs). */
async function importViaServer(server: ServerInfo, paths: string[]): Promise<ImportSummary> {
  const files = await listInputs(paths);
  process.stderr.write(`a server is running (pid ${server.pid}); importing through it\n`);
  const kickoff = await callServer(server, 'POST', '/fhir/R4/$import', {
    resourceType: 'Parameters',
    parameter: [
      { name: 'inputFormat', valueCode: 'application/fhir+ndjson' },
      ...files.map((f) => ({
        name: 'input',
        part: [{ name: 'url', valueUrl: pathToFileURL(path.resolve(f.path)).href }],
      })),
    ],
  });
  const statusUrl = new URL(kickoff.headers.get('content-location')).pathname;
  const progress = new Progress('importing (server)');
  for (;;) {
    const res = await callServer(server, 'GET', statusUrl);
    if (res.status === 200) {
      progress.done();
      return res.body.summary as ImportSummary;
    }
    const p = res.body?.progress;
    if (p?.resources !== undefined) {
      progress.update(
        p.bytes ?? 0,
        p.totalBytes || undefined,
        `${fmt(p.resources)} resources, ${fmt(p.errors ?? 0)} rejected`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('import FHIR JSON, Bundles and Bulk Data NDJSON (.ndjson, .ndjson.gz) from files or folders')
    .argument('<paths...>', 'files or folders (searched recursively)')
    .action(async (paths: string[]) => {
      const started = performance.now();
      const summary = await importLocally(paths);
      printSummary(summary, (performance.now() - started) / 1000);
      if (summary.errorCount > 0) process.exitCode = EXIT_PARTIAL;
    });
}
