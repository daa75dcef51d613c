import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { VERSION } from '../http/version.ts';
import { dataCommands } from './data.ts';
import { withDatabase } from './local.ts';
import { DataDirBusyError } from './lock.ts';
import { serve } from './serve.ts';
import { tokenCommands } from './token.ts';

const program = new Command('outreach')
  .description('Patient Outreach: FHIR R4 clinical data, segments, journeys and campaigns')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('serve')
  .description('start the HTTP server (FHIR API at /fhir/R4, API at /api); same as npm start')
  .option('--port <port>', 'port to listen on (default: PORT or 8080)')
  .action(async (o: { port?: string }) => {
    const config = loadConfig(process.env, o.port ? { port: Number(o.port) } : {});
    await serve(config);
  });

program
  .command('db')
  .description('database maintenance')
  .command('migrate')
  .description('apply pending migrations (the server also does this at start)')
  .action(async () => {
    const applied = await withDatabase(
      loadConfig(),
      'db migrate',
      async (rt) => (await migrate(rt.db)).applied,
      async () => [],
    );
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  });

tokenCommands(program);
dataCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const known = err instanceof ConfigError || err instanceof DataDirBusyError;
  process.stderr.write(`outreach: ${(err as Error).message}\n`);
  if (!known && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
}
