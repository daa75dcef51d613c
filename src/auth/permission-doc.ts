import { BUILTIN_ROLES, PERMISSION_IDS, PERMISSIONS } from './permissions.ts';

/**
 * The permission table as Markdown, for docs/access-control.md (between the
 * markers; test/access-docs.test.ts fails when the file and the code differ;
 * `node src/auth/permission-doc.ts` prints it).
 */
export function permissionTableMarkdown(): string {
  const roles = BUILTIN_ROLES;
  const head = `| permission | what it allows | ${roles.map((r) => r.name).join(' | ')} |`;
  const sep = `|---|---|${roles.map(() => ':-:').join('|')}|`;
  const rows = PERMISSION_IDS.map(
    (p) =>
      `| \`${p}\` | ${PERMISSIONS[p]} | ${roles.map((r) => (r.permissions.includes(p) ? '✔' : '')).join(' | ')} |`,
  );
  return [head, sep, ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${permissionTableMarkdown()}\n`);
