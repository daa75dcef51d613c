import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { permissionTableMarkdown } from '../src/auth/permission-doc.ts';

it('docs/access-control.md shows the permission table the code enforces', () => {
  const doc = readFileSync(new URL('../docs/access-control.md', import.meta.url), 'utf8');
  const m = /<!-- permission-table:start -->\n([\s\S]*?)\n<!-- permission-table:end -->/.exec(doc);
  expect(m, 'docs/access-control.md needs the permission-table markers').not.toBeNull();
  expect(m![1], 'regenerate with: node src/auth/permission-doc.ts').toBe(permissionTableMarkdown());
});
