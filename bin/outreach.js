#!/usr/bin/env node
// The `outreach` command. Node 24 runs the TypeScript sources directly (type stripping).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `outreach needs Node.js 24 or later (this is ${process.version}). Run it through npm (npx outreach ..., npm start), which puts the project's Node 24 first on PATH.`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
