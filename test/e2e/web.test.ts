import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, hashSecret } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { type TestEnv, type TestServer, testEnv, testServer } from '../helpers.ts';
import { ensureWebBuilt, expectAccessible, launchChromium, screenshot } from './browser.ts';
import { PASSWORD, type Seed, seed } from './seed.ts';

let server: TestServer;
let browser: Browser;
let data: Seed;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
  // The browser keeps the session cookie only until its Expires, which the server takes from its clock.
  server = await testServer(new Date().toISOString());
  data = await seed(server);
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

/** A fresh browser profile (no cookies, no localStorage), Swedish and light unless told. */
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

async function signIn(
  page: Page,
  who: 'admin' | 'clinical' | 'planner' | { email: string; name: string },
  password = PASSWORD,
): Promise<void> {
  const user = typeof who === 'string' ? data.users[who] : who;
  await page.goto('/signin');
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.locator('header .who-name', { hasText: user.name }).waitFor();
}

const nav = (page: Page) => page.getByRole('navigation');

describe('web app', () => {
  it('signs in: a wrong password shows an error, the right one lands on the start page', async () => {
    const page = await newPage();
    // A signed-out visit to a page goes to sign-in first.
    await page.goto('/patients');
    await page.waitForURL('**/signin');
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    await expectAccessible(page, 'sign-in');

    await page.getByLabel('E-post').fill(data.users.admin.email);
    await page.getByLabel('Lösenord').fill('not the password at all');
    await page.getByRole('button', { name: 'Logga in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Fel e-postadress eller lösenord');
    expect(page.url()).toMatch(/\/signin$/);

    await page.getByLabel('Lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    // Back to the page that asked for a sign-in.
    await page.waitForURL('**/patients');
    await page.getByRole('link', { name: 'Start' }).click();
    await page.getByRole('heading', { name: `Välkommen, ${data.users.admin.name}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('header').textContent()).resolves.toContain('Administratör');
  });

  it('shows in the navigation only what the role may use', async () => {
    const admin = await newPage();
    await signIn(admin, 'admin');
    const adminNav = await nav(admin).getByRole('link').allTextContents();
    expect(adminNav).toEqual(
      expect.arrayContaining([
        'Patienter',
        'Användare',
        'Roller',
        'Vårdenheter',
        'API-nycklar',
        'Logg',
        'Importer',
      ]),
    );

    const planner = await newPage();
    await signIn(planner, 'planner');
    const plannerNav = await nav(planner).getByRole('link').allTextContents();
    expect(plannerNav).toContain('Patienter');
    for (const hidden of ['Användare', 'Roller', 'Logg', 'API-nycklar', 'Importer'])
      expect(plannerNav).not.toContain(hidden);
    // A typed address of a page the role lacks says so instead of showing it.
    await planner.goto('/admin/users');
    await planner.getByRole('heading', { name: 'Ingen behörighet' }).waitFor();
  });

  it('shows a clinical user the HbA1c value on the patient page', async () => {
    const page = await newPage();
    await signIn(page, 'clinical');
    await nav(page).getByRole('link', { name: 'Patienter' }).click();
    await page.getByRole('heading', { name: 'Patientsök' }).waitFor();
    await page.getByLabel('Personnummer').check();
    // Ten digits without century: 1958, the most recent century not in the future.
    const pnr = data.home.personnummer;
    await page.getByLabel('Sök efter').fill(`${pnr.slice(2, 8)}-${pnr.slice(8)}`);
    await page.getByRole('button', { name: 'Sök', exact: true }).click();
    const row = page.getByRole('row', { name: new RegExp(data.home.name) });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(`${pnr.slice(0, 8)}-${pnr.slice(8)}`);
    await expectAccessible(page, 'patient search results');

    await row.getByRole('link', { name: data.home.name }).click();
    await page.waitForURL(`**/patients/${data.home.id}`);
    const observations = page.locator('section[data-group="observations"]');
    const hba1c = observations.getByRole('row', { name: /HbA1c/ });
    await hba1c.waitFor();
    await expect(hba1c.textContent()).resolves.toContain('53 mmol/mol');
    await expect(hba1c.textContent()).resolves.toContain('2025');
    await page.getByRole('heading', { name: 'Klinisk information' }).waitFor();
    await page.getByRole('heading', { name: /Vårdkontakter/ }).waitFor();
    const details = await page.locator('dl.facts').textContent();
    for (const part of [
      'Greta Lindqvist',
      'Kvinna',
      `${pnr.slice(0, 8)}-${pnr.slice(8)}`,
      'Umeå',
      '+46701234567',
    ])
      expect(details).toContain(part);
    await expectAccessible(page, 'patient page (clinical)');

    await screenshot(page, 'patient-1280.png');
    await page.setViewportSize({ width: 820, height: 1100 });
    await page.getByRole('button', { name: 'Meny' }).waitFor();
    expect(await nav(page).isVisible()).toBe(false);
    await screenshot(page, 'patient-820.png');
    await page.getByRole('button', { name: 'Meny' }).click();
    await nav(page).getByRole('link', { name: 'Patienter' }).waitFor();
    await screenshot(page, 'patient-820-menu.png');
    await expectAccessible(page, 'patient page at 820 px with the menu open');
  });

  it('shows an event planner the demographics but no clinical section, and never asks for it', async () => {
    const page = await newPage();
    const asked: string[] = [];
    page.on('request', (req) => asked.push(req.url()));
    await signIn(page, 'planner');
    await page.goto(`/patients/${data.home.id}`);
    await page.getByRole('heading', { name: 'Personuppgifter' }).waitFor();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('Greta Lindqvist');
    expect(await page.getByRole('heading', { name: 'Klinisk information' }).count()).toBe(0);
    expect(await page.getByText('mmol/mol').count()).toBe(0);
    expect(asked.some((u) => u.includes(`/fhir/R4/Patient/${data.home.id}`))).toBe(true);
    expect(asked.filter((u) => u.includes('$everything') || /Observation|Condition/.test(u))).toEqual([]);
    await expectAccessible(page, 'patient page (event planner)');
  });

  it('opens a patient of another care unit with emergency access and a stated reason', async () => {
    const page = await newPage();
    await signIn(page, 'clinical');
    await page.goto(`/patients/${data.other.id}`);
    await page.getByText('Patienten tillhör en vårdenhet som du inte arbetar på.').waitFor();
    expect(await page.getByText('mmol/mol').count()).toBe(0);
    await page.getByRole('button', { name: 'Nödåtkomst' }).click();
    await expectAccessible(page, 'emergency access form');
    await page.getByLabel('Skäl (obligatoriskt)').fill('Akut omhändertagande på akutmottagningen');
    await page.getByRole('button', { name: 'Öppna journalen' }).click();
    const hba1c = page.locator('section[data-group="observations"]').getByRole('row', { name: /HbA1c/ });
    await hba1c.waitFor();
    await expect(hba1c.textContent()).resolves.toContain('71 mmol/mol');
  });

  it("shows the administrator the clinical user's read of the patient in the audit log", async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await nav(page).getByRole('link', { name: 'Logg' }).click();
    await page.getByRole('heading', { name: 'Logg', level: 1 }).waitFor();
    await page.getByLabel('Patient-id').first().fill(data.home.id);
    await page.getByRole('button', { name: 'Visa' }).click();
    await page.waitForURL(`**/audit?patient=${data.home.id}`);
    const clinical = data.users.clinical;
    const read = page
      .locator('table.audit tbody tr')
      .filter({ hasText: new RegExp(`${clinical.email}|${clinical.name}`) })
      .filter({ has: page.locator(`a[href="/patients/${data.home.id}"]`) });
    await read.first().waitFor();
    await expect(read.first().textContent()).resolves.toContain('Tillåten');
    await expectAccessible(page, 'audit log');
    await screenshot(page, 'audit-1280.png');

    // The emergency access to the other patient stands out.
    await page.goto(`/audit?patient=${data.other.id}`);
    const emergency = page.locator('table.audit tbody tr.emergency');
    await emergency.first().waitFor();
    await expect(emergency.first().textContent()).resolves.toContain('Nödåtkomst');

    // The access extract for the patient, as CSV and PDF.
    await page.getByLabel('Patient-id').last().fill(data.home.id);
    for (const [name, type] of [
      ['Exportera utdrag (CSV)', 'text/csv'],
      ['Exportera utdrag (PDF)', 'application/pdf'],
    ]) {
      const href = await page.getByRole('link', { name }).getAttribute('href');
      expect(href).toContain(`patient=${data.home.id}`);
      const res = await page.request.get(href!);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toContain(type);
    }
  });

  it('switches between Swedish and English and remembers the choice after a reload', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await nav(page).getByRole('link', { name: 'Patienter' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('sv');

    await page.getByRole('button', { name: 'English' }).click();
    await nav(page).getByRole('link', { name: 'Patients' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.reload();
    await nav(page).getByRole('link', { name: 'Patients' }).waitFor();
    await page.getByRole('heading', { name: `Welcome, ${data.users.admin.name}` }).waitFor();

    await page.getByRole('button', { name: 'Svenska' }).click();
    await nav(page).getByRole('link', { name: 'Patienter' }).waitFor();
    await page.reload();
    await nav(page).getByRole('link', { name: 'Patienter' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('sv');

    // Without a remembered choice the browser's language decides.
    const english = await newPage({ locale: 'en-GB' });
    await english.goto('/signin');
    await english.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('toggles the dark theme and remembers it; the system preference is the default', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    const theme = () => page.getAttribute('html', 'data-theme');
    const background = () =>
      page.evaluate(() => {
        const g = globalThis as any;
        return g.getComputedStyle(g.document.body).backgroundColor as string;
      });
    expect(await theme()).toBe('light');
    const light = await background();

    const toggle = page.getByRole('button', { name: 'Mörkt tema' });
    await toggle.click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await background()).not.toBe(light);
    await page.reload();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await toggle.click();
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });

    const dark = await newPage({ colorScheme: 'dark' });
    await dark.goto('/signin');
    await dark.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
  });

  it('lets an administrator create a user, who sets a password through the one-time link', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto('/admin/users');
    await page.getByRole('heading', { name: 'Ny användare' }).waitFor();
    await page.getByLabel('Namn', { exact: true }).fill('Nils Nyberg');
    await page.getByLabel('E-post', { exact: true }).fill('nils.nyberg@region.example.se');
    await page.getByLabel('Roll', { exact: true }).selectOption('non-clinical');
    await page.getByLabel('Vårdcentralen Norr').check();
    await page.getByRole('button', { name: 'Skapa användare' }).click();
    const link = page.locator('code.secret');
    await link.waitFor();
    const setupUrl = (await link.textContent())!;
    expect(setupUrl).toContain('/setup?token=');
    await page.getByRole('row', { name: /Nils Nyberg/ }).waitFor();

    const nils = await newPage();
    await nils.goto(new URL(setupUrl).pathname + new URL(setupUrl).search);
    await nils.getByRole('heading', { name: 'Välj lösenord' }).waitFor();
    await expectAccessible(nils, 'set-password page');
    await nils.getByLabel('Nytt lösenord').fill('a long and new passphrase');
    await nils.getByLabel('Upprepa det nya lösenordet').fill('a long and new passphrase');
    await nils.getByRole('button', { name: 'Spara lösenord' }).click();
    await nils.waitForURL('**/signin');
    await nils.getByLabel('E-post').fill('nils.nyberg@region.example.se');
    await nils.getByLabel('Lösenord').fill('a long and new passphrase');
    await nils.getByRole('button', { name: 'Logga in' }).click();
    await nils.getByRole('heading', { name: 'Välkommen, Nils Nyberg' }).waitFor();
  });

  it('shows a new API token once, and revokes it', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto('/admin/tokens');
    await page.getByLabel('Namn', { exact: true }).fill('journalsystem');
    await page.getByLabel('Roll', { exact: true }).selectOption('integration-admin');
    await page.getByRole('button', { name: 'Skapa nyckel' }).click();
    const secret = page.getByTestId('token-secret');
    await secret.waitFor();
    const token = (await secret.textContent())!.trim();
    expect(token.length).toBeGreaterThan(20);
    const row = page.getByRole('row', { name: /journalsystem/ });
    await row.waitFor();
    expect(await page.locator('table').textContent()).not.toContain(token);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: /Återkalla/ }).click();
    await row.getByText('Återkallad').waitFor();
  });

  it('lets an administrator create a care unit and a custom role from permissions', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto('/admin/care-units');
    await page.getByLabel('Id', { exact: true }).fill('vc-vast');
    await page.getByLabel('Namn', { exact: true }).fill('Vårdcentralen Väst');
    await page.getByLabel('Organisationer och platser').fill('Organisation/1');
    await page.getByRole('button', { name: 'Skapa vårdenhet' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Organisation/1');
    await page.getByLabel('Organisationer och platser').fill(`Organization/${data.home.organizationId}`);
    await page.getByRole('button', { name: 'Skapa vårdenhet' }).click();
    await page.getByRole('row', { name: /Vårdcentralen Väst/ }).waitFor();

    await page.goto('/admin/roles');
    await page.getByLabel('Namn (id)').fill('diabetes-nurse');
    await page.getByLabel('Benämning på svenska').fill('Diabetessjuksköterska');
    await page.getByLabel('Benämning på engelska').fill('Diabetes nurse');
    for (const permission of ['patient:read', 'clinical:read'])
      await page.getByRole('checkbox', { name: new RegExp(`^${permission} `) }).check();
    await page.getByRole('button', { name: 'Skapa roll' }).click();
    const column = page.locator('table.matrix thead th', { hasText: 'Diabetessjuksköterska' });
    await column.waitFor();
    // The new column marks exactly the chosen permissions.
    const index = await column.evaluate((th) => (th as { cellIndex: number }).cellIndex);
    const marks = await page
      .locator(`table.matrix tbody tr`)
      .evaluateAll(
        (rows, i) =>
          rows
            .filter((r: any) => r.cells[i].textContent.includes('✓'))
            .map((r: any) => r.cells[0].querySelector('code').textContent),
        index,
      );
    expect(marks).toEqual(['patient:read', 'clinical:read']);
  });

  it('changes the own password in a dialog', async () => {
    const pia = { email: 'pia.planerare@region.example.se', name: 'Pia Planerare' };
    await createUser(server.db, server.clock, { ...pia, role: 'event-planner', password: PASSWORD });
    const page = await newPage();
    await signIn(page, pia);
    await page.getByRole('button', { name: 'Byt lösenord' }).click();
    const dialog = page.getByRole('dialog', { name: 'Byt lösenord' });
    await dialog.waitFor();
    await expectAccessible(page, 'password dialog');
    await dialog.getByLabel('Nuvarande lösenord').fill(PASSWORD);
    await dialog.getByLabel('Nytt lösenord').fill('too short');
    await dialog.getByLabel('Upprepa det nya lösenordet').fill('too short');
    await dialog.getByRole('button', { name: 'Byt lösenord' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('för kort');

    await dialog.getByLabel('Nuvarande lösenord').fill('not my password at all');
    await dialog.getByLabel('Nytt lösenord').fill('another long passphrase');
    await dialog.getByLabel('Upprepa det nya lösenordet').fill('another long passphrase');
    await dialog.getByRole('button', { name: 'Byt lösenord' }).click();
    await dialog.getByRole('alert').waitFor();
    // A wrong current password is an error in the dialog, not a trip to the sign-in page.
    expect(new URL(page.url()).pathname).toBe('/');

    await dialog.getByLabel('Nuvarande lösenord').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Byt lösenord' }).click();
    await dialog.getByText('Ditt lösenord är bytt.').waitFor();
    await dialog.getByRole('button', { name: 'Stäng' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Logga ut' }).click();
    await page.waitForURL('**/signin');
    await signIn(page, pia, 'another long passphrase');
  });

  it('shows FHIR import jobs with their status, counts per type and errors', async () => {
    const ndjson = [
      { resourceType: 'Patient', id: 'import-ida', name: [{ family: 'Importsson', given: ['Ida'] }] },
      { resourceType: 'Patient', id: 'import-robot', gender: 'robot' },
      {
        resourceType: 'Observation',
        id: 'import-obs',
        status: 'final',
        code: { text: 'Vikt' },
        subject: { reference: 'Patient/import-ida' },
      },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const res = await fetch(`${server.url}/fhir/R4/$import`, {
      method: 'POST',
      headers: { ...server.auth, 'content-type': 'application/fhir+ndjson' },
      body: ndjson,
    });
    expect(res.status).toBe(202);

    const page = await newPage();
    await signIn(page, 'admin');
    await nav(page).getByRole('link', { name: 'Importer' }).click();
    const job = page.getByRole('row').filter({ hasText: 'Klar' });
    await job.first().waitFor();
    const text = await job.first().textContent();
    expect(text).toContain('3 rader lästa, 2 resurser skrivna, 1 fel');
    expect(text).toContain('Patient: 1');
    expect(text).toContain('Observation: 1');
    await job.first().getByText('1 fel', { exact: true }).click();
    await job
      .first()
      .getByText(/gender: value 'robot'/)
      .waitFor();
    await expectAccessible(page, 'imports');
  });

  it('has no serious or critical accessibility violations on any page, in both themes', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    const pages: [string, string][] = [
      ['/', 'h1'],
      [`/patients?by=name&q=${encodeURIComponent('Lindqvist')}`, 'table'],
      [`/patients/${data.home.id}`, 'section[data-group="observations"] table'],
      ['/admin/users', 'table'],
      ['/admin/roles', 'table.matrix'],
      ['/admin/care-units', 'table'],
      ['/admin/tokens', 'form'],
      ['/audit', 'table.audit'],
      ['/imports', 'h1'],
      ['/no/such/page', 'h1'],
    ];
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => (globalThis as any).localStorage.setItem('po-theme', t), theme);
      for (const [path, ready] of pages) {
        await page.goto(path);
        await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
        await page.locator(`main ${ready}`).first().waitFor();
        await expectAccessible(page, `${path} (${theme})`);
      }
    }
    await page.goto('/admin/roles');
    await page.locator('table.matrix').waitFor();
    await screenshot(page, 'roles-dark-1280.png');
  });
});

describe('first start', () => {
  // A server without users that was given the hash of a first-start secret, as `outreach serve` does.
  const SECRET = 'first-start-secret-for-the-e2e-test';
  const admin = { email: 'frida.forst@region.example.se', name: 'Frida Först' };
  const password = 'the very first passphrase';
  let env: TestEnv;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    // Real time: the browser keeps the session cookie only until its Expires.
    env = await testEnv(new Date().toISOString());
    const config = loadConfig({ LOG_LEVEL: 'silent' }, { port: 0, host: '127.0.0.1' });
    app = await buildApp({
      config,
      db: env.db,
      clock: env.clock,
      store: env.store,
      logger: false,
      bootstrapHash: hashSecret(SECRET),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  async function fill(page: Page, confirm = password): Promise<void> {
    await page.getByLabel('E-post').fill(admin.email);
    await page.getByLabel('Namn').fill(admin.name);
    await page.getByLabel('Lösenord', { exact: true }).fill(password);
    await page.getByLabel('Upprepa lösenordet').fill(confirm);
    await page.getByRole('button', { name: 'Skapa administratör' }).click();
  }

  it('creates the first administrator through the one-time link and signs them in', async () => {
    // A wrong secret is refused and does not spend the link.
    const wrong = await newPage({ baseURL: url });
    await wrong.goto('/setup?first=not-the-secret');
    await wrong.getByRole('heading', { name: 'Skapa den första administratören' }).waitFor();
    await fill(wrong);
    await expect(wrong.getByRole('alert').textContent()).resolves.toContain('redan använd eller okänd');

    const page = await newPage({ baseURL: url });
    await page.goto(`/setup?first=${SECRET}`);
    await page.getByRole('heading', { name: 'Skapa den första administratören' }).waitFor();
    expect(await page.title()).toContain('Skapa den första administratören');
    await expectAccessible(page, 'first administrator');
    expect(await page.getByLabel('E-post').getAttribute('autocomplete')).toBe('username');
    expect(await page.getByLabel('Lösenord', { exact: true }).getAttribute('autocomplete')).toBe(
      'new-password',
    );
    await page.getByText('Minst 12 tecken.').waitFor();
    // Two different passwords never reach the server.
    await fill(page, 'a different passphrase');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('skiljer sig');
    expect(new URL(page.url()).pathname).toBe('/setup');

    await fill(page);
    await page.getByRole('heading', { name: `Välkommen, ${admin.name}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('header').textContent()).resolves.toContain('Administratör');
    await nav(page).getByRole('link', { name: 'Användare' }).waitFor();
    // The session is a real one: it survives a reload.
    await page.reload();
    await page.getByRole('heading', { name: `Välkommen, ${admin.name}` }).waitFor();

    // The link works once.
    const again = await newPage({ baseURL: url });
    await again.goto(`/setup?first=${SECRET}`);
    await again.getByRole('heading', { name: 'Skapa den första administratören' }).waitFor();
    await fill(again);
    await expect(again.getByRole('alert').textContent()).resolves.toContain('redan använd eller okänd');
    await again.getByRole('link', { name: 'Till inloggningen' }).waitFor();
    expect(new URL(again.url()).pathname).toBe('/setup');
    await expectAccessible(again, 'first administrator, link used');
  });

  it('has no serious or critical accessibility violations on the first-start page in dark and in English', async () => {
    const dark = await newPage({ baseURL: url, colorScheme: 'dark' });
    await dark.goto(`/setup?first=${SECRET}`);
    await dark.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await dark.getByRole('heading', { name: 'Skapa den första administratören' }).waitFor();
    await expectAccessible(dark, 'first administrator (dark)');

    const english = await newPage({ baseURL: url, locale: 'en-GB' });
    await english.goto(`/setup?first=${SECRET}`);
    await english.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await english.getByLabel('Password', { exact: true }).waitFor();
    await expectAccessible(english, 'first administrator (English)');
  });
});
