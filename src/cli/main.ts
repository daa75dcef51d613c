import { ConfigError } from '../config/config.ts';
import { CliAccessError } from './cli-access.ts';
import { DataDirBusyError } from './lock.ts';
import { buildProgram } from './program.ts';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const known =
    err instanceof ConfigError || err instanceof DataDirBusyError || err instanceof CliAccessError;
  process.stderr.write(`outreach: ${(err as Error).message}\n`);
  if (!known && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(err instanceof CliAccessError ? 77 : 1);
}
