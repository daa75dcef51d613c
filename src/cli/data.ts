import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { generateNoisyContacts, generatePopulation } from '../generate/index.ts';
import { importContactFile, syncProfiles } from '../patients/cli.ts';
import { saveTemplateSegments } from '../segments/cli.ts';
import { EXIT_PARTIAL, importCommand, importLocally, printSummary } from './import.ts';
import { fmt, Progress } from './progress.ts';

function patientsOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--patients ${value} must be a whole number ≥ 1`);
  return n;
}

async function generate(patients: number, seed: string, out: string) {
  const progress = new Progress('generating');
  const summary = await generatePopulation({
    patients,
    seed,
    outDir: out,
    onProgress: (done, total) => progress.update(done, total, `${fmt(done)}/${fmt(total)} patients`),
  });
  progress.done();
  return summary;
}

export function dataCommands(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic Swedish population as FHIR Bulk Data NDJSON (one file per type)')
    .requiredOption('--patients <n>', 'number of patients')
    .option('--seed <seed>', 'seed; the same seed gives the same files', 'outreach')
    .requiredOption('--out <dir>', 'output folder')
    .option(
      '--contacts',
      'also write noisy contact lists about the same people (crm.csv, events.csv) and their ground truth (truth.csv)',
    )
    .action(async (o: { patients: string; seed: string; out: string; contacts?: boolean }) => {
      const patients = patientsOption(o.patients);
      const started = performance.now();
      const summary = await generate(patients, o.seed, o.out);
      const total = Object.values(summary.resources).reduce((a, b) => a + b, 0);
      const secs = (performance.now() - started) / 1000;
      for (const [type, n] of Object.entries(summary.resources).sort((a, b) => b[1] - a[1])) {
        process.stdout.write(`${type.padEnd(22)} ${fmt(n).padStart(12)}\n`);
      }
      process.stdout.write(
        `${fmt(total)} resources for ${fmt(patients)} patients in ${secs.toFixed(1)} s (${fmt(Math.round(total / secs))}/s) → ${o.out}\n`,
      );
      if (o.contacts) {
        const progress = new Progress('contact lists');
        const c = await generateNoisyContacts({
          patients,
          seed: o.seed,
          outDir: o.out,
          onProgress: (done, n) => progress.update(done, n, `${fmt(done)}/${fmt(n)} patients`),
        });
        progress.done();
        process.stdout.write(
          `contact lists: ${fmt(c.rows.crm)} CRM rows (${c.files.crm}), ${fmt(c.rows.events)} event sign-ups (${c.files.events}), ground truth ${c.files.truth}\n` +
            `import them with: npx outreach import-contacts ${c.files.crm} --source crm && npx outreach import-contacts ${c.files.events} --source events\n`,
        );
      }
    });

  importCommand(program);

  program
    .command('demo')
    .description('generate a Swedish demo population and import it, so there is something to look at')
    .option('--patients <n>', 'number of patients', '1000')
    .option('--seed <seed>', 'seed', 'demo')
    .action(async (o: { patients: string; seed: string }) => {
      const patients = patientsOption(o.patients);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outreach-demo-'));
      try {
        await generate(patients, o.seed, dir);
        const started = performance.now();
        const summary = await importLocally([dir]);
        printSummary(summary, (performance.now() - started) / 1000);
        // The same people as a CRM export and event sign-ups, with their typos and
        // family phones, so the People pages show unification at work.
        await syncProfiles();
        await generateNoisyContacts({ patients, seed: o.seed, outDir: dir });
        for (const source of ['crm', 'events'])
          await importContactFile(path.join(dir, `${source}.csv`), { source, map: [] });
        // The templates as saved segments, so Segments shows members at once.
        const saved = await saveTemplateSegments();
        if (saved.length)
          process.stdout.write(
            `${saved.length} segments saved from templates:\n${saved.map((s) => `  ${fmt(s.members).padStart(7)}  ${s.name}`).join('\n')}\n`,
          );
        const base = `http://localhost:${loadConfig().port}/fhir/R4`;
        process.stdout.write(
          `\nDemo population loaded (${fmt(patients)} patients and their CRM and event contact lists, seed '${o.seed}'). Open People or Segments in the web app, or try:\n` +
            `  curl -H "Authorization: Bearer $TOKEN" '${base}/Patient?address-city=Uppsala&_count=5'\n` +
            `  curl -H "Authorization: Bearer $TOKEN" '${base}/Condition?code=http://snomed.info/sct|44054006&_summary=count'\n`,
        );
        if (summary.errorCount > 0) process.exitCode = EXIT_PARTIAL;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}
