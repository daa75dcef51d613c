import fs from 'node:fs';
import type { Command } from 'commander';
import { auditLocally } from '../cli/audit-local.ts';
import { callServer, withDatabase } from '../cli/local.ts';
import { fmt, Progress } from '../cli/progress.ts';
import { loadConfig } from '../config/config.ts';
import { type Definition, DefinitionSchema } from './definition.ts';
import type { FunnelRow } from './evaluate.ts';
import { rebuildSegmentIndex } from './projection.ts';
import { createSegment, getSegment, listSegments } from './segment-store.ts';
import { SegmentService } from './service.ts';
import { TEMPLATES, templateToSegment } from './templates.ts';
import { DefinitionError } from './validate.ts';

/** `outreach segments …`: build, preview and refresh segments; evaluate a data lake in place. */

interface DefOptions {
  file?: string;
  template?: string;
  asOf?: string;
}

function definitionOf(o: DefOptions): { definition: Definition; name: string } {
  if (o.template) {
    const t = templateToSegment(o.template);
    if (!t)
      throw new Error(`--template ${o.template}: no such template; 'outreach segments templates' lists them`);
    return { definition: t.definition, name: t.name };
  }
  if (!o.file) throw new Error('give the definition with --file def.json or --template id');
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(o.file, 'utf8'));
  } catch (err) {
    throw new Error(`${o.file}: ${(err as Error).message}`);
  }
  // A file may hold a bare definition or a saved segment ({name, definition}).
  const candidate = (json as { definition?: unknown })?.definition ?? json;
  const parsed = DefinitionSchema.safeParse(candidate);
  if (!parsed.success)
    throw new Error(
      `${o.file}: not a segment definition: ${parsed.error.issues.map((i) => `${['definition', ...i.path].join('.')}: ${i.message}`).join('; ')}`,
    );
  return { definition: parsed.data, name: (json as { name?: string }).name ?? o.file };
}

function asOfOf(o: DefOptions): number {
  if (!o.asOf) return Date.now();
  const t = Date.parse(o.asOf);
  if (!Number.isFinite(t))
    throw new Error(`--as-of ${o.asOf}: write an ISO date or instant, e.g. 2020-05-06T00:00:00Z`);
  return t;
}

/** The funnel as a table with bars, the way an editor reads it. */
export function formatFunnel(universe: number, funnel: readonly FunnelRow[]): string {
  const width = Math.max(20, ...funnel.map((f) => f.label.length));
  const lines = [`${'rule'.padEnd(width + 4)} ${'alone'.padStart(10)} ${'together'.padStart(10)}`];
  lines.push(
    `${'everyone (alive at as-of)'.padEnd(width + 4)} ${fmt(universe).padStart(10)} ${fmt(universe).padStart(10)}`,
  );
  funnel.forEach((f, i) => {
    const bar = universe > 0 ? '█'.repeat(Math.round((f.cumulative / universe) * 30)) : '';
    lines.push(
      `${`${i + 1}. ${f.label}`.padEnd(width + 4)} ${fmt(f.alone).padStart(10)} ${fmt(f.cumulative).padStart(10)}  ${bar}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

const explainError = (err: unknown): never => {
  if (err instanceof DefinitionError)
    throw new Error(
      `the definition has problems:\n${err.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
  throw err;
};

/**
 * Saves every template as a segment (once: templates already saved are
 * skipped), so a demo shows segments with members at once. Returns what was
 * saved, with member counts.
 */
export async function saveTemplateSegments(): Promise<Array<{ name: string; members: number }>> {
  return withDatabase(
    loadConfig(),
    'segments create',
    async (rt) => {
      const svc = new SegmentService(rt.db, rt.store, rt.clock);
      try {
        const have = new Set((await listSegments(rt.db)).map((s) => s.template));
        const out: Array<{ name: string; members: number }> = [];
        for (const t of TEMPLATES) {
          if (have.has(t.id)) continue;
          const copy = templateToSegment(t.id)!;
          const rec = await createSegment(
            rt.db,
            {
              name: copy.name,
              description: copy.description,
              kind: 'dynamic',
              definition: copy.definition,
              template: t.id,
            },
            'local-cli',
            rt.clock.now(),
          );
          out.push({ name: rec.name, members: (await svc.refresh(rec)).members });
        }
        return out;
      } finally {
        await svc.stop();
      }
    },
    async (server) => {
      const have = new Set(
        (
          (await callServer(server, 'GET', '/api/segments')).body.segments as Array<{
            template: string | null;
          }>
        ).map((s) => s.template),
      );
      const out: Array<{ name: string; members: number }> = [];
      for (const t of TEMPLATES) {
        if (have.has(t.id)) continue;
        const r = (await callServer(server, 'POST', '/api/segments/from-template', { template: t.id })).body;
        out.push({ name: r.name, members: r.change.members });
      }
      return out;
    },
  );
}

export function segmentCommands(program: Command): void {
  const seg = program.command('segments').description('clinical segments: who should hear from us');

  seg
    .command('templates')
    .description('list the ready segments for Swedish primary and specialist care')
    .action(() => {
      for (const t of TEMPLATES)
        process.stdout.write(`${t.id.padEnd(34)} ${t.name.sv}  —  ${t.guideline.publisher}\n`);
    });

  seg
    .command('list')
    .description('list saved segments with their member counts')
    .action(async () => {
      const list = await withDatabase(
        loadConfig(),
        'segments list',
        (rt) => listSegments(rt.db),
        async (server) => (await callServer(server, 'GET', '/api/segments')).body.segments,
      );
      for (const s of list)
        process.stdout.write(
          `${s.id}  ${s.kind.padEnd(7)} v${String(s.version).padEnd(3)} ${fmt(s.memberCount ?? 0).padStart(9)}  ${s.name}\n`,
        );
    });

  seg
    .command('preview')
    .description('count a definition and show the funnel per rule (nothing is saved)')
    .option('--file <def.json>', 'a definition (JSON)')
    .option('--template <id>', 'a template instead of a file')
    .option('--as-of <instant>', 'evaluate as of this date or instant (default now)')
    .action(async (o: DefOptions) => {
      const { definition } = definitionOf(o);
      const asOf = asOfOf(o);
      const result = await withDatabase(
        loadConfig(),
        'segments preview',
        async (rt) => {
          const svc = new SegmentService(rt.db, rt.store, rt.clock);
          try {
            return await svc.preview(definition, asOf).catch(explainError);
          } finally {
            await svc.stop();
          }
        },
        async (server) =>
          (
            await callServer(server, 'POST', '/api/segments/preview', {
              definition,
              asOf: new Date(asOf).toISOString(),
              sample: 0,
            })
          ).body,
      );
      process.stdout.write(
        `as of ${new Date(asOf).toISOString()}: ${fmt(result.count)} members (${result.ms.toFixed(0)} ms)\n`,
      );
      process.stdout.write(formatFunnel(result.universe, result.funnel));
    });

  seg
    .command('create')
    .description('save a segment and compute its members')
    .option('--file <def.json>', 'a definition (JSON)')
    .option('--template <id>', 'copy a template')
    .option('--name <name>', 'the segment name (default: the template name or the file name)')
    .option('--static', 'freeze the members now instead of keeping them current')
    .action(async (o: DefOptions & { name?: string; static?: boolean }) => {
      const { definition, name } = definitionOf(o);
      const input = {
        name: o.name ?? name,
        kind: o.static ? ('static' as const) : ('dynamic' as const),
        definition,
        ...(o.template ? { template: o.template } : {}),
      };
      const rec = await withDatabase(
        loadConfig(),
        'segments create',
        async (rt) => {
          const svc = new SegmentService(rt.db, rt.store, rt.clock);
          try {
            await svc.check(definition).catch(explainError);
            const created = await createSegment(rt.db, input, 'local-cli', rt.clock.now());
            const change = await svc.refresh(created);
            await auditLocally(rt, {
              action: 'create',
              outcome: 'success',
              resourceType: 'Segment',
              resourceIds: [created.id],
              detail: created.name,
            });
            return { ...created, change };
          } finally {
            await svc.stop();
          }
        },
        async (server) => (await callServer(server, 'POST', '/api/segments', input)).body,
      );
      process.stdout.write(
        `segment ${rec.id} "${rec.name}" (${rec.kind}): ${fmt(rec.change.members)} members\n`,
      );
    });

  seg
    .command('refresh')
    .description('recompute a segment now, or every dynamic segment that is due (--due)')
    .argument('[id]', 'segment id')
    .option('--due', 'refresh every dynamic segment whose interval has passed')
    .action(async (id: string | undefined, o: { due?: boolean }) => {
      if (!id && !o.due) throw new Error('give a segment id, or --due for every segment that is due');
      const out = await withDatabase(
        loadConfig(),
        'segments refresh',
        async (rt) => {
          const svc = new SegmentService(rt.db, rt.store, rt.clock);
          try {
            if (o.due) return svc.refreshDue();
            const s = await getSegment(rt.db, id!);
            if (!s) throw new Error(`no segment ${id}; 'outreach segments list' shows them`);
            return [{ id: s.id, ...(await svc.refresh(s).catch(explainError)) }];
          } finally {
            await svc.stop();
          }
        },
        async (server) => {
          if (o.due) throw new Error('the running server refreshes due segments itself every minute');
          return [{ id, ...(await callServer(server, 'POST', `/api/segments/${id}/refresh`)).body }];
        },
      );
      for (const r of out)
        process.stdout.write(
          'error' in r
            ? `${r.id}: not refreshed: ${r.error}\n`
            : `${r.id}: ${fmt(r.members)} members, ${fmt(r.entered)} entered, ${fmt(r.exited)} exited\n`,
        );
      if (out.length === 0) process.stdout.write('no segment is due\n');
    });

  seg
    .command('reindex')
    .description('rebuild the segment index from the clinical store (after a bulk load, or to recover)')
    .action(async () => {
      const r = await withDatabase(loadConfig(), 'segments reindex', async (rt) => {
        const progress = new Progress('indexing');
        try {
          return await rebuildSegmentIndex(rt.db, {
            onProgress: (p) =>
              progress.update(
                p.resources,
                undefined,
                `${p.type}: ${fmt(p.resources)} resources, ${fmt(p.facts)} facts`,
              ),
          });
        } finally {
          progress.done();
        }
      });
      process.stdout.write(
        `${fmt(r.persons)} patients, ${fmt(r.resources)} resources, ${fmt(r.facts)} facts indexed\n`,
      );
    });

  seg
    .command('lake')
    .description(
      'evaluate a definition with DuckDB directly over a folder of FHIR NDJSON or Parquet (nothing is imported)',
    )
    .argument('<dir>', 'folder of Type.ndjson / Type.ndjson.gz / Type.parquet files (FHIR Bulk Data export)')
    .option('--file <def.json>', 'a definition (JSON)')
    .option('--template <id>', 'a template instead of a file')
    .option('--as-of <instant>', 'evaluate as of this date or instant (default now)')
    .option('--members <file>', 'write the member patient ids to this file, one per line')
    .action(async (dir: string, o: DefOptions & { members?: string }) => {
      const { definition } = definitionOf(o);
      const asOf = asOfOf(o);
      // DuckDB is a native module: loaded only by the command that needs it.
      const { openLake } = await import('./lake/index.ts');
      const progress = new Progress('reading lake');
      const lake = await openLake(dir, {
        onProgress: (p) =>
          progress.update(
            p.bytesDone,
            p.bytes,
            `${p.file}: ${fmt(p.persons)} patients, ${fmt(p.facts)} facts`,
          ),
      });
      progress.done();
      try {
        const r = await lake.evaluate(definition, asOf);
        process.stdout.write(
          `lake ${dir}: ${fmt(lake.persons)} patients, ${fmt(lake.facts)} facts read in ${(lake.buildMs / 1000).toFixed(1)} s\n`,
        );
        process.stdout.write(
          `as of ${new Date(asOf).toISOString()}: ${fmt(r.count)} members (${r.ms.toFixed(0)} ms)\n`,
        );
        process.stdout.write(formatFunnel(r.universe, r.funnel));
        if (o.members) fs.writeFileSync(o.members, r.members.map((m) => `${m}\n`).join(''));
      } finally {
        await lake.close();
      }
    });
}
