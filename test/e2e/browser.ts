import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = path.join(ROOT, 'web');
const INDEX = path.join(WEB, 'dist', 'index.html');
const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
export const SHOTS = path.join(ROOT, '.tmp');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds web/dist when it is missing or older than the sources (npm install
 * builds it too, through the prepare script). Must run before testServer(),
 * which looks for web/dist once.
 */
export async function ensureWebBuilt(): Promise<void> {
  const sources = Math.max(
    newestSource(path.join(WEB, 'src')),
    statSync(path.join(WEB, 'index.html')).mtimeMs,
    statSync(path.join(WEB, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(INDEX) && statSync(INDEX).mtimeMs >= sources) return;
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, with which Vite would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(WEB, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** Debian's Chromium; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** Runs axe-core on the page and fails on any serious or critical violation, naming each. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  // The test project has no DOM types: the page's globals are reached through globalThis.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (): Promise<Violation[]> => {
    const g = globalThis as any;
    const result = await g.axe.run(g.document);
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n: any) => `${n.target.join(' ')} — ${n.failureSummary}`),
      }));
  });
  expect(violations, `axe on ${label} (${page.url()}):\n${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
