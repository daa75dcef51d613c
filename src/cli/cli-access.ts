import type { Command } from 'commander';
import type { Permission } from '../auth/permissions.ts';

/**
 * The permission each CLI command needs, by its full name. `null` marks
 * commands that touch no stored data (starting the server, writing generated
 * files). A command missing here is refused (deny by default), and
 * test/cli-access.test.ts fails for it.
 *
 * Who is acting: with OUTREACH_TOKEN set, the token's user or integration and
 * its role; without, the local operator — whoever can open DATA_DIR or
 * DATABASE_URL already holds the whole database, so they act as an
 * administrator, and the audit log names them as the local operator.
 */
export const CLI_RULES: Record<string, Permission | null> = {
  serve: null,
  'db migrate': null,
  generate: null,
  import: 'import:write',
  demo: 'import:write',
  'token create': 'token:write',
  'token list': 'token:read',
  'token revoke': 'token:write',
  'users create': 'user:write',
  'users list': 'user:read',
  'users update': 'user:write',
  'users reset': 'user:write',
  'roles list': null,
  'roles create': 'role:write',
  'care-units create': 'care-unit:write',
  'care-units list': null,
  'audit verify': 'audit:verify',
  'audit query': 'audit:read',
  'audit extract': 'audit:read',
  'audit purge': 'audit:verify',
  'import-contacts': 'source:manage',
  'sources list': 'source:manage',
  'sources add': 'source:manage',
  'profiles sync': 'patient:write',
  'segments templates': 'segment:read',
  'segments list': 'segment:read',
  'segments preview': 'segment:read',
  'segments create': 'segment:write',
  'segments refresh': 'segment:write',
  'segments reindex': 'segment:write',
  'segments lake': 'segment:read',
};

export function commandName(cmd: Command): string {
  const parts: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) parts.unshift(c.name());
  return parts.join(' ');
}

/** Every runnable command of the program (leaves of the command tree). */
export function allCommands(program: Command): string[] {
  const out: string[] = [];
  const walk = (c: Command) => {
    if (c.commands.length === 0) out.push(commandName(c));
    for (const sub of c.commands) walk(sub);
  };
  for (const c of program.commands) walk(c);
  return out;
}

export class CliAccessError extends Error {}

/** Resolves what the caller may do; supplied by the program (it needs the database or the server). */
export type PermissionsOf = (token: string) => Promise<{ role: string; permissions: readonly string[] }>;

export async function checkCliAccess(
  name: string,
  env: NodeJS.ProcessEnv,
  permissionsOf: PermissionsOf,
): Promise<void> {
  if (!Object.hasOwn(CLI_RULES, name))
    throw new CliAccessError(
      `'outreach ${name}' has no access rule; it is refused (add it to src/cli/cli-access.ts)`,
    );
  const needed = CLI_RULES[name];
  const token = env.OUTREACH_TOKEN;
  if (needed === null || !token) return;
  const who = await permissionsOf(token);
  if (!who.permissions.includes(needed))
    throw new CliAccessError(
      `'outreach ${name}' needs the permission ${needed}, which role '${who.role}' of OUTREACH_TOKEN does not have`,
    );
}
