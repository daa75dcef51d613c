import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { generatePopulation } from '../generate/index.ts';
import { fmt, Progress } from './progress.ts';

export function dataCommands(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic Swedish population as FHIR NDJSON (one file per type)')
    .requiredOption('--patients <n>', 'number of patients')
    .option('--seed <seed>', 'seed; the same seed gives the same files', 'outreach')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (o: { patients: string; seed: string; out: string }) => {
      const patients = Number(o.patients);
      if (!Number.isInteger(patients) || patients < 1)
        throw new Error(`--patients ${o.patients} must be a whole number ≥ 1`);
      const progress = new Progress('generating');
      const started = performance.now();
      const summary = await generatePopulation({
        patients,
        seed: o.seed,
        outDir: o.out,
        onProgress: (done, total) => progress.update(done, total, `${fmt(done)}/${fmt(total)} patients`),
      });
      progress.done();
      const total = Object.values(summary.resources).reduce((a, b) => a + b, 0);
      const secs = (performance.now() - started) / 1000;
      for (const [type, n] of Object.entries(summary.resources).sort((a, b) => b[1] - a[1])) {
        process.stdout.write(`${type.padEnd(22)} ${fmt(n).padStart(12)}\n`);
      }
      process.stdout.write(
        `${fmt(total)} resources for ${fmt(patients)} patients in ${secs.toFixed(1)} s → ${o.out}\n`,
      );
    });
  void loadConfig;
}
