import { Command } from 'commander';
import { registerAuditCommands } from '../auth/audit/cli.ts';
import { RoleRegistry } from '../auth/roles.ts';
import { verifyToken } from '../auth/tokens.ts';
import { loadConfig } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { VERSION } from '../http/version.ts';
import { patientCommands } from '../patients/cli.ts';
import { segmentCommands } from '../segments/cli.ts';
import { checkCliAccess, commandName } from './cli-access.ts';
import { dataCommands } from './data.ts';
import { callServer, withDatabase } from './local.ts';
import { serve } from './serve.ts';
import { tokenCommands } from './token.ts';
import { userCommands } from './users.ts';

/** What OUTREACH_TOKEN may do: asked of the running server, or read from the database. */
async function permissionsOf(token: string) {
  return withDatabase(
    loadConfig(),
    'access check',
    async (rt) => {
      const row = await verifyToken(rt.db, rt.clock, token);
      if (!row)
        throw new Error('OUTREACH_TOKEN is unknown, revoked or expired; create a new token or unset it');
      const roles = new RoleRegistry(rt.db, rt.clock);
      const role = await roles.get(row.role);
      let permissions = role?.permissions ?? [];
      if (row.userId) {
        // As on the server: a user's token never exceeds the user, and a disabled user's token opens nothing.
        const user = await rt.db.kysely
          .selectFrom('app_user')
          .select(['role', 'disabled'])
          .where('id', '=', row.userId)
          .executeTakeFirst();
        if (!user || user.disabled) throw new Error('OUTREACH_TOKEN belongs to a disabled user; unset it');
        const own = (await roles.get(user.role))?.permissions ?? [];
        permissions = permissions.filter((p) => own.includes(p));
      }
      return { role: row.role, permissions };
    },
    async (s) => {
      const me = (await callServer(s, 'GET', '/api/auth/me')).body;
      return { role: me.role, permissions: me.permissions };
    },
  );
}

export function buildProgram(): Command {
  const program = new Command('outreach')
    .description('Patient Outreach: FHIR R4 clinical data, segments, journeys and campaigns')
    .version(VERSION)
    .showHelpAfterError();

  program.hook('preAction', async (_root, action) => {
    await checkCliAccess(commandName(action), process.env, permissionsOf);
  });

  program
    .command('serve')
    .description('start the HTTP server (web app at /, FHIR API at /fhir/R4, API at /api); same as npm start')
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
  userCommands(program);
  registerAuditCommands(program);
  dataCommands(program);
  patientCommands(program);
  segmentCommands(program);
  return program;
}
