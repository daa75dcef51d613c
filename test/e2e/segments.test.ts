import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/auth/users.ts';
import { importPaths } from '../../src/fhir/import/import-paths.ts';
import { generatePopulation } from '../../src/generate/index.ts';
import { subscribePatientSync } from '../../src/patients/sync.ts';
import { type TestServer, testServer } from '../helpers.ts';
import { ensureWebBuilt, expectAccessible, launchChromium, screenshot } from './browser.ts';
import { PASSWORD } from './seed.ts';

let server: TestServer;
let browser: Browser;
let dir: string;
const contexts: BrowserContext[] = [];
const outreach = { email: 'sara.segment@region.example.se', name: 'Sara Segment' };
const clinician = { email: 'kalle.klinik@region.example.se', name: 'Kalle Klinik' };
const planner = { email: 'eva.evenemang@region.example.se', name: 'Eva Evenemang' };
const TEMPLATE = 'Diabetes med HbA1c över målnivå';

beforeAll(async () => {
  await ensureWebBuilt();
  // Real time: the browser keeps the session cookie only until its Expires, which the server takes from its clock.
  const now = new Date();
  server = await testServer(now.toISOString());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-e2e-'));
  // A generated Swedish population whose "today" is now, so that "the last 12 months" means what it says.
  await generatePopulation({ patients: 300, seed: 'segments-e2e', outDir: dir, asOf: now });
  await importPaths(server.store, [dir], { workers: 0 });
  const sync = subscribePatientSync(server.store, server.clock);
  await sync.drain();
  await sync.stop();
  await createUser(server.db, server.clock, { ...outreach, role: 'outreach', password: PASSWORD });
  await createUser(server.db, server.clock, { ...clinician, role: 'clinical', password: PASSWORD });
  await createUser(server.db, server.clock, { ...planner, role: 'event-planner', password: PASSWORD });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function newPage(opts: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    baseURL: server.url,
    locale: 'sv-SE',
    colorScheme: 'light',
    viewport: { width: 1280, height: 900 },
    ...opts,
  });
  contexts.push(context);
  return context.newPage();
}

async function signIn(page: Page, user: { email: string; name: string }): Promise<void> {
  await page.goto('/signin');
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form button[type="submit"]').click();
  await page.locator('header .who-name', { hasText: user.name }).waitFor();
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Huvudmeny' });
const rule = (page: Page, name: string) => page.getByRole('group', { name, exact: true });
const preview = (page: Page) => page.getByRole('region', { name: 'Förhandsvisning' });

/** Opens "Lägg till villkor" (of the group `within`, else the page's only one) and picks a rule type. */
async function addRule(page: Page, type: string, within: Page | Locator = page): Promise<void> {
  await within.getByRole('button', { name: 'Lägg till villkor' }).last().click();
  const dialog = page.getByRole('dialog', { name: 'Lägg till villkor' });
  await dialog.getByRole('button', { name: type, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** The funnel's numbers for the row named `label`, once the preview shows it. */
async function funnelRow(page: Page, label: string | RegExp): Promise<{ alone: number; cumulative: number }> {
  const row = preview(page)
    .getByRole('group', { name: 'Tratten i siffror' })
    .getByRole('row', { name: label });
  await row.waitFor();
  const cells = await row.getByRole('cell').allTextContents();
  const n = (s: string) => Number(s.replace(/\s/g, ''));
  return { alone: n(cells[0]), cumulative: n(cells[1]) };
}

async function shownCount(page: Page): Promise<number> {
  return Number(await preview(page).locator('[data-count]').getAttribute('data-count'));
}

/** The session's CSRF token, for requests the test makes itself beside the page. */
async function csrf(page: Page): Promise<string> {
  return (await (await page.request.get('/api/auth/me')).json()).csrfToken;
}

describe('segment builder', () => {
  it('builds a segment from scratch: age 65+, a diagnosis picked by search, live funnel and sample, save, members and history', async () => {
    const page = await newPage();
    await signIn(page, outreach);
    await nav(page).getByRole('link', { name: 'Segment', exact: true }).click();
    await page.getByRole('heading', { name: 'Segment', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Nytt segment' }).click();
    await page.getByRole('heading', { name: 'Nytt segment', level: 1 }).waitFor();
    await page.getByLabel('Namn', { exact: true }).fill('Diabetiker 65 år och äldre');
    // An empty group counts nothing yet and says what is missing.
    await preview(page).getByText('Fyll i de markerade villkoren för att se antalet.').waitFor();

    await addRule(page, 'Ålder');
    const age = rule(page, 'Villkor 1: Ålder');
    await age.getByText('Ange lägsta ålder, högsta ålder eller båda.').waitFor();
    await age.getByLabel('Lägsta ålder').fill('65');
    const elderly = await funnelRow(page, /^Ålder 65\+/);
    expect(elderly.alone).toBeGreaterThan(0);
    expect(await shownCount(page)).toBe(elderly.cumulative);
    await expect(preview(page).textContent()).resolves.toMatch(/av \d{3} personer/);

    await addRule(page, 'Diagnos');
    const diagnosis = rule(page, 'Villkor 2: Diagnos');
    await diagnosis.getByText('Ingen kod vald: alla koder räknas.').waitFor();
    const search = diagnosis.getByRole('combobox', { name: 'Sök kod eller benämning' });
    await search.fill('diabetes');
    const option = diagnosis.getByRole('option', { name: /^E11 Diabetes mellitus typ 2/ });
    await option.waitFor();
    await expect(option.textContent()).resolves.toContain('ICD-10');
    // Keyboard: down to the ICD-10 code and Enter, as well as a click would.
    const options = await diagnosis.getByRole('option').allTextContents();
    for (let i = 0; i <= options.findIndex((o) => o.startsWith('E11')); i++) await search.press('ArrowDown');
    await search.press('Enter');
    await diagnosis.locator('.chip', { hasText: 'E11' }).waitFor();
    await diagnosis.getByLabel('Inklusive underkoder (ICD-10 (ICD-10-SE))').check();

    const diabetics = await funnelRow(page, /^Diagnos E11\*/);
    expect(diabetics.alone).toBeGreaterThan(0);
    expect(diabetics.cumulative).toBeLessThanOrEqual(Math.min(elderly.alone, diabetics.alone));
    await expect.poll(() => shownCount(page)).toBe(diabetics.cumulative);
    const count = diabetics.cumulative;
    expect(count).toBeGreaterThan(0);
    // The chart is an image that says the same in words.
    const chart = await preview(page).getByRole('img').getAttribute('aria-labelledby');
    const summary = await page.locator(`[id="${chart}"]`).textContent();
    expect(summary).toContain(`Diagnos E11*: ${count}`);

    // The sample: each member with ✓ per rule and why (an outreach role sees no clinical values).
    const sample = page.getByRole('region', { name: 'Exempel på medlemmar' });
    const first = sample.getByRole('table').getByRole('row').nth(1);
    await first.waitFor();
    const cells = await first.getByRole('cell').allTextContents();
    expect(cells[1]).toMatch(/^✓uppfyller villkoret: age (6[5-9]|[7-9]\d|1\d\d)$/);
    expect(cells[2]).toBe('✓uppfyller villkoret: stämmer');
    await expectAccessible(page, 'segment builder (new)');
    await screenshot(page, 'segment-builder.png');

    await page.getByRole('button', { name: 'Spara segmentet' }).click();
    await page.getByRole('heading', { name: 'Diabetiker 65 år och äldre', level: 1 }).waitFor();
    expect(page.url()).toMatch(/\/segments\/[0-9a-f-]{36}$/);
    await page.getByText('Sparat (version 1).').waitFor();
    const members = page.getByRole('region', { name: 'Medlemmar', exact: true });
    await members.getByText(`av ${count}`).waitFor();
    expect(await members.getByRole('table').getByRole('row').count()).toBe(Math.min(count, 25) + 1);
    const history = page.getByRole('region', { name: 'Historik' });
    const points = history.getByRole('group', { name: 'Senaste beräkningarna' }).getByRole('row');
    await points.nth(1).waitFor();
    expect(await points.count()).toBe(2);
    const point = await points.nth(1).getByRole('cell').allTextContents();
    expect(point.slice(1)).toEqual([String(count), `+${count}`, '−0', '1']);
    await history.getByRole('img').waitFor();
    // Export is offered to a role with segment:export.
    await page.getByRole('link', { name: 'Exportera medlemmar (CSV)' }).waitFor();
    await expectAccessible(page, 'saved segment');
    await screenshot(page, 'segment-saved.png');

    // Recounting adds a point to the history. (The test server's clock stands still unless moved.)
    server.clock.advance(60_000);
    await page.getByRole('button', { name: 'Beräkna medlemmar nu' }).click();
    await page.getByText(`Beräknat: ${count} medlemmar, 0 tillkom, 0 lämnade.`).waitFor();
    await points.nth(2).waitFor();

    // A member's patient 360 lists the segment, linked back to it.
    const segmentUrl = page.url();
    await members.getByRole('table').getByRole('row').nth(1).getByRole('link').click();
    const memberships = page.getByRole('region', { name: 'Segment', exact: true });
    await memberships.getByRole('link', { name: 'Diabetiker 65 år och äldre' }).click();
    await page.getByRole('heading', { name: 'Diabetiker 65 år och äldre', level: 1 }).waitFor();
    expect(page.url()).toBe(segmentUrl);

    // The list shows it with its size.
    await page.getByRole('link', { name: 'Segment', exact: true }).first().click();
    const row = page.getByRole('row', { name: /Diabetiker 65 år och äldre/ });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Dynamiskt');
    expect((await row.getByRole('cell').allTextContents())[1]).toBe(String(count));
  });

  it('starts from a template: an editable copy, a new threshold saved as version 2, a duplicate, and a conflict', async () => {
    const page = await newPage();
    await signIn(page, outreach);
    await page.goto('/segments');
    await page.getByRole('button', { name: 'Från mall' }).click();
    const gallery = page.getByRole('region', { name: 'Mallar' });
    await gallery.getByRole('heading', { name: 'Kronisk sjukdom' }).waitFor();
    const card = gallery.getByRole('article', { name: TEMPLATE });
    await expect(card.textContent()).resolves.toContain('Diabetes with HbA1c above target');
    await expect(card.textContent()).resolves.toContain('Socialstyrelsen');
    await expectAccessible(page, 'template gallery');
    await screenshot(page, 'segment-templates.png');
    await card.getByRole('button', { name: `Använd mallen ${TEMPLATE}` }).click();

    await page.getByRole('heading', { name: TEMPLATE, level: 1 }).waitFor();
    await page.getByText('Det här är din egen kopia av mallen.').waitFor();
    await page.getByText(`Skapat från mallen ”${TEMPLATE}”.`).waitFor();
    const hba1c = rule(page, 'Villkor 2: Provsvar');
    const value = hba1c.getByLabel('Värde', { exact: true });
    expect(await value.inputValue()).toBe('70');
    expect(await hba1c.getByLabel('Vilket värde').inputValue()).toBe('latest');
    const label = hba1c.getByLabel('Egen benämning (visas i tratten)');
    const before = await funnelRow(page, await label.inputValue());

    // 52 mmol/mol, the usual target: more people are above it.
    await value.fill('52');
    await label.fill('Senaste HbA1c över 52 mmol/mol');
    const after = await funnelRow(page, 'Senaste HbA1c över 52 mmol/mol');
    expect(after.alone).toBeGreaterThan(before.alone);
    await page.getByText('Ändringarna är inte sparade.').waitFor();
    await page.getByRole('button', { name: 'Spara som ny version' }).click();
    await page.getByText('Sparat (version 2).').waitFor();
    const facts = page.getByRole('region', { name: 'Medlemmar nu' });
    await facts.getByText(`${after.cumulative} medlemmar (version 2`).waitFor();
    const id = page.url().split('/').pop();

    await facts.getByRole('button', { name: 'Duplicera' }).click();
    await page.getByRole('heading', { name: `${TEMPLATE} (copy)`, level: 1 }).waitFor();
    expect(page.url()).not.toContain(id);
    expect(await rule(page, 'Villkor 2: Provsvar').getByLabel('Värde', { exact: true }).inputValue()).toBe(
      '52',
    );

    // Someone else saves the copy while it is open here: saving says so and offers the latest version.
    const copyId = page.url().split('/').pop()!;
    const current = await (await page.request.get(`/api/segments/${copyId}`)).json();
    const res = await page.request.put(`/api/segments/${copyId}`, {
      headers: { 'x-csrf-token': await csrf(page) },
      data: {
        name: current.name,
        description: current.description,
        kind: current.kind,
        definition: { ...current.definition, includeDeceased: true },
        version: current.version,
      },
    });
    expect(res.status()).toBe(200);
    await page.getByLabel('Namn', { exact: true }).fill('Diabetes, HbA1c över 52');
    await page.getByRole('button', { name: 'Spara som ny version' }).click();
    await page.getByRole('alert').getByText('Någon annan har sparat en nyare version').waitFor();
    await page.getByRole('button', { name: 'Hämta den senaste versionen' }).click();
    await page.getByLabel('Ta med avlidna').waitFor();
    expect(await page.getByLabel('Ta med avlidna').isChecked()).toBe(true);
    expect(await page.getByLabel('Namn', { exact: true }).inputValue()).toBe(`${TEMPLATE} (copy)`);
  });

  it('shows a bad rule’s problem next to that rule', async () => {
    const page = await newPage();
    await signIn(page, outreach);
    await page.goto('/segments/new');
    await addRule(page, 'Ålder');
    await rule(page, 'Villkor 1: Ålder').getByLabel('Högsta ålder').fill('74');
    await funnelRow(page, /^Ålder ≤ 74/);

    // A test result without a code: the browser says what is missing before asking the server.
    await addRule(page, 'Provsvar');
    const result = rule(page, 'Villkor 2: Provsvar');
    await result.getByText('Välj minst en kod.').first().waitFor();
    await preview(page).getByText('Fyll i de markerade villkoren för att se antalet.').waitFor();
    await result.getByRole('button', { name: 'Ta bort Villkor 2: Provsvar' }).click();
    await result.waitFor({ state: 'detached' });

    // A procedure between two dates given the wrong way round: the server's problem lands on this card.
    await addRule(page, 'Åtgärd');
    const procedure = rule(page, 'Villkor 2: Åtgärd');
    await procedure.getByLabel('Tidsperiod').selectOption('between');
    await procedure.getByLabel('Från').fill('2024-05-01');
    await procedure.getByLabel('Till').fill('2023-01-01');
    const problem = procedure.getByText(
      'the window starts 2024-05-01 after it ends 2023-01-01; swap the dates',
    );
    await problem.waitFor();
    expect(await problem.getAttribute('lang')).toBe('en');
    await preview(page).getByText('Villkoren har 1 problem; se de markerade villkoren.').waitFor();
    expect(await rule(page, 'Villkor 1: Ålder').locator('.rule-problems').count()).toBe(0);
    await expectAccessible(page, 'segment builder with a problem');
    await screenshot(page, 'segment-problem.png');

    // Swapping the dates clears it and the count comes back.
    await procedure.getByLabel('Från').fill('2023-01-01');
    await procedure.getByLabel('Till').fill('2024-05-01');
    await problem.waitFor({ state: 'detached' });
    await funnelRow(page, /^Åtgärd, 2023-01-01 – 2024-05-01/);
  });

  it('nests rules with "Någon av" and "Inte"; a read-only role sees but cannot change, a role without segment:read sees nothing', async () => {
    const page = await newPage();
    await signIn(page, outreach);
    await page.goto('/segments/new');
    await page.getByLabel('Namn', { exact: true }).fill('Astma eller KOL utan uteblivna besök');
    await addRule(page, 'Alla av');
    const group = rule(page, 'Villkor 1: Grupp');
    await group.getByLabel('Villkoren ska gälla').selectOption('or');
    await addRule(page, 'Diagnos', group);
    await addRule(page, 'Diagnos', group);
    for (const [n, code] of [
      ['1', 'J45'],
      ['2', 'J44'],
    ]) {
      const d = rule(page, `Villkor 1.${n}: Diagnos`);
      await d.getByText('Skriv in en kod').click();
      await d.getByLabel('Kod', { exact: true }).fill(code);
      await d.getByRole('button', { name: 'Lägg till kod' }).click();
      await d.locator('.chip', { hasText: code }).waitFor();
    }
    await addRule(page, 'Minst 2 uteblivna besök');
    const noShows = rule(page, 'Villkor 2: Bokning');
    expect(await noShows.getByLabel('Hur ofta').inputValue()).toBe('atLeast');
    await noShows.getByLabel('Inte (uteslut dessa)').check();
    const lungs = await funnelRow(page, /^Någon av 2 villkor/);
    const kept = await funnelRow(page, /^Inte: Minst 2 × Bokning/);
    expect(kept.cumulative).toBeLessThanOrEqual(lungs.alone);
    await page.getByRole('button', { name: 'Spara segmentet' }).click();
    await page.getByText('Sparat (version 1).').waitFor();
    const url = page.url();

    const reader = await newPage();
    await signIn(reader, clinician);
    await reader.goto(new URL(url).pathname);
    await reader.getByRole('heading', { name: 'Astma eller KOL utan uteblivna besök', level: 1 }).waitFor();
    expect(await reader.getByLabel('Namn', { exact: true }).isDisabled()).toBe(true);
    expect(await reader.getByRole('button', { name: 'Spara som ny version' }).count()).toBe(0);
    expect(await reader.getByRole('link', { name: 'Exportera medlemmar (CSV)' }).count()).toBe(0);
    await funnelRow(reader, /^Någon av 2 villkor/);

    const outsider = await newPage();
    await signIn(outsider, planner);
    expect(await nav(outsider).getByRole('link').allTextContents()).not.toContain('Segment');
    await outsider.goto(new URL(url).pathname);
    await outsider.getByRole('heading', { name: 'Ingen behörighet' }).waitFor();
  });

  it('has no serious or critical accessibility violations on the segment pages, in both themes and in English', async () => {
    const page = await newPage();
    await signIn(page, outreach);
    const { segments } = await (await page.request.get('/api/segments')).json();
    const pages: [string, string][] = [
      ['/segments', 'table'],
      ['/segments/new', '.rule-tree'],
      [`/segments/${segments[0].id}`, '.history-chart'],
    ];
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => (globalThis as any).localStorage.setItem('po-theme', t), theme);
      for (const [at, ready] of pages) {
        await page.goto(at);
        await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
        await page.locator(`main ${ready}`).first().waitFor();
        await expectAccessible(page, `${at} (${theme})`);
      }
    }
    await page.goto(`/segments/${segments[0].id}`);
    await page.locator('main .history-chart').waitFor();
    await preview(page).locator('[data-count]').waitFor();
    await screenshot(page, 'segment-dark-1280.png');
    await page.getByRole('button', { name: 'Lägg till villkor' }).first().click();
    await page.getByRole('dialog', { name: 'Lägg till villkor' }).waitFor();
    await expectAccessible(page, 'add rule dialog (dark)');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Rules', level: 2 }).waitFor();
    await page
      .getByRole('region', { name: 'Preview' })
      .getByText(/of \d+ people/)
      .waitFor();
    await expectAccessible(page, 'segment page (English)');

    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByRole('button', { name: 'Menu' }).waitFor();
    await screenshot(page, 'segment-820.png');
    await expectAccessible(page, 'segment page at 820 px');
  });
});
