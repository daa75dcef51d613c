import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/auth/users.ts';
import type { Subscription } from '../../src/fhir/changes.ts';
import { subscribePatientSync } from '../../src/patients/sync.ts';
import { type TestServer, testServer } from '../helpers.ts';
import { ensureWebBuilt, expectAccessible, launchChromium, screenshot } from './browser.ts';
import { luhn, PASSWORD, type Seed, type SeededPatient, seed, seedStorePatient } from './seed.ts';

let server: TestServer;
let browser: Browser;
let sync: Subscription;
let data: Seed;
let sigrid: SeededPatient;
const contexts: BrowserContext[] = [];
const outreach = { email: 'ulla.utskick@region.example.se', name: 'Ulla Utskick' };

/** 19621108-NNNC with its Luhn digit. */
const pnr = (birth: string, serial: string) =>
  `${birth.replaceAll('-', '')}${serial}${luhn(birth.replaceAll('-', '').slice(2) + serial)}`;
const dashed = (p: string) => `${p.slice(0, 8)}-${p.slice(8)}`;
const MARTA = pnr('1962-11-08', '382');

beforeAll(async () => {
  await ensureWebBuilt();
  // Real time: the browser keeps the session cookie only until its Expires, which the server takes from its clock.
  server = await testServer(new Date().toISOString());
  sync = subscribePatientSync(server.store, server.clock);
  data = await seed(server);
  sigrid = await seedStorePatient(server, {
    given: 'Sigrid',
    family: 'Öberg',
    birth: '1947-05-20',
    serial: '246',
    organizationId: data.home.organizationId,
    email: 'sigrid.oberg@example.se',
    phone: '+46703332211',
    hba1c: [
      { at: '2025-02-10T09:00:00+01:00', value: 61 },
      { at: '2025-06-12T09:00:00+02:00', value: 58 },
      { at: '2025-11-03T09:15:00+01:00', value: 53 },
    ],
    bloodPressure: [
      { at: '2025-06-12T09:05:00+02:00', systolic: 148, diastolic: 92 },
      { at: '2025-11-03T09:20:00+01:00', systolic: 138, diastolic: 86 },
    ],
  });
  await sync.drain();
  await createUser(server.db, server.clock, { ...outreach, role: 'outreach', password: PASSWORD });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await sync?.stop();
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
  who: 'admin' | 'clinical' | { email: string; name: string },
): Promise<void> {
  const user = typeof who === 'string' ? data.users[who] : who;
  await page.goto('/signin');
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form button[type="submit"]').click();
  await page.locator('header .who-name', { hasText: user.name }).waitFor();
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Huvudmeny' });

/** Searches People and opens the one result named `name`. */
async function openProfile(page: Page, q: string, name: string): Promise<void> {
  await page.goto(`/profiles?q=${encodeURIComponent(q)}`);
  await page
    .getByRole('row', { name: new RegExp(name) })
    .getByRole('link', { name })
    .click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

/** A contact list as Excel on Swedish Windows saves it: Windows-1252, semicolons, CRLF. */
const CSV = [
  'Förnamn;Efternamn;Personnummer;E-post;Tfn;Postnummer;Ort;Samtycke e-post',
  `Märta;Åkesson;${dashed(MARTA)};marta.akesson@example.se;070-765 43 21;903 25;Umeå;Ja`,
  `Sigrid;Öberg;${dashed(pnr('1947-05-20', '246'))};sigrid@hemma.example.se;;903 25;Umeå;`,
  'Örjan;Felsson;19621399-1234;orjan@example.se;;;;',
].join('\r\n');

describe('people and patient 360', () => {
  it('finds a person by personnummer and shows a clinical user the 360 page with HbA1c in mmol/mol', async () => {
    const page = await newPage();
    await signIn(page, 'clinical');
    const links = await nav(page).getByRole('link').allTextContents();
    expect(links).toContain('Personer');
    expect(links).not.toContain('Kontaktlistor');
    await nav(page).getByRole('link', { name: 'Personer' }).click();
    await page.getByRole('heading', { name: 'Personer', level: 1 }).waitFor();
    // Ten digits with a dash: the search takes any spelling.
    await page.getByLabel('Personnummer, namn, e-post eller telefon').fill(sigrid.personnummer.slice(2));
    await page.getByRole('button', { name: 'Sök', exact: true }).click();
    const row = page.getByRole('row', { name: /Sigrid Öberg/ });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(dashed(sigrid.personnummer));
    await expectAccessible(page, 'people search');

    await row.getByRole('link', { name: 'Sigrid Öberg' }).click();
    await page.getByRole('heading', { name: 'Sigrid Öberg', level: 1 }).waitFor();
    const facts = (await page.locator('.profile-facts').textContent()) ?? '';
    expect(facts).toContain(dashed(sigrid.personnummer));
    expect(facts).toMatch(/\d+ år/);
    const summary = page.getByRole('region', { name: 'Klinisk sammanfattning' });
    await summary.waitFor();
    const hba1c = summary.locator('[data-observation="hba1c"]');
    await expect(hba1c.locator('.value').textContent()).resolves.toBe('53 mmol/mol');
    await expect(hba1c.textContent()).resolves.toContain('sjunkande');
    // The sparkline is an image with the series in words.
    const chart = await hba1c.getByRole('img').getAttribute('aria-label');
    expect(chart).toContain('3 mätningar');
    expect(chart).toContain('61 mmol/mol');
    await expect(summary.locator('[data-observation="bloodPressure"] .value').textContent()).resolves.toBe(
      '138/86 mmHg',
    );
    await summary.getByText('Diabetes mellitus typ 2').waitFor();
    await summary.getByText('Metformin 500 mg').waitFor();
    // Contact points with their consent state: care needs no consent, SMS outreach needs an opt-in.
    const phone = page.getByRole('region', { name: 'Kontaktuppgifter' }).getByRole('row', { name: /070/ });
    await expect(phone.textContent()).resolves.toContain('Krävs ej');
    await expect(phone.textContent()).resolves.toContain('Inget samtycke');
    await page.getByRole('region', { name: 'Samtycke' }).getByRole('table').waitFor();
    await expectAccessible(page, 'patient 360 (clinical)');
    await screenshot(page, 'profile-1280.png');

    // Tablet width: the menu folds, the cards stack, nothing breaks.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByRole('button', { name: 'Meny' }).waitFor();
    await screenshot(page, 'profile-820.png');
    await expectAccessible(page, 'patient 360 at 820 px');
  });

  it('shows an outreach professional no clinical card', async () => {
    const page = await newPage();
    await signIn(page, outreach);
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    await page.getByRole('region', { name: 'Kontaktuppgifter' }).waitFor();
    await page.getByRole('region', { name: 'Samtycke' }).waitFor();
    expect(await page.getByRole('region', { name: 'Klinisk sammanfattning' }).count()).toBe(0);
    expect(await page.getByText('mmol/mol').count()).toBe(0);
    // Without patient:write the page only shows: no consent buttons, preferences as text.
    expect(await page.getByRole('button', { name: 'Registrera samtycke eller återkallelse' }).count()).toBe(
      0,
    );
    await page.getByRole('region', { name: 'Önskemål' }).getByText('Inte angivet').first().waitFor();
    await expectAccessible(page, 'patient 360 (outreach)');
  });

  it('imports a Windows-1252 contact list with Swedish headers: preview, remap a column, import, find the person', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await nav(page).getByRole('link', { name: 'Kontaktlistor' }).click();
    await page.getByRole('heading', { name: 'Importera kontaktlista' }).waitFor();
    await page.getByLabel('Namn på den nya källan').fill('kampanj-2026');
    await page.getByLabel('CSV-fil').setInputFiles({
      name: 'kontakter.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV, 'latin1'),
    });
    const result = page.getByRole('region', { name: 'Förhandsgranskning av kontakter.csv' });
    await result.waitFor();
    await expect(result.locator('[data-fact="contactImport.encoding"]').textContent()).resolves.toBe(
      'Windows-1252',
    );
    await expect(result.locator('[data-fact="contactImport.delimiter"]').textContent()).resolves.toBe(
      'semikolon (;)',
    );
    await expect(result.locator('[data-fact="contactImport.accepted"]').textContent()).resolves.toBe('2');
    await expect(result.locator('[data-fact="contactImport.rejected"]').textContent()).resolves.toBe('1');
    // Swedish headers map by themselves; "Tfn" is no known header and is not imported.
    expect(await page.getByLabel('Fält för kolumnen Förnamn').inputValue()).toBe('givenName');
    expect(await page.getByLabel('Fält för kolumnen Samtycke e-post').inputValue()).toBe('consentEmail');
    const tfn = page.getByLabel('Fält för kolumnen Tfn');
    expect(await tfn.inputValue()).toBe('ignore');
    const marta = result.locator('table.preview').getByRole('row', { name: /Märta Åkesson/ });
    await expect(marta.textContent()).resolves.toContain(dashed(MARTA));
    await expect(marta.textContent()).resolves.not.toContain('+46707654321');
    const bad = result.locator('table.import-errors').getByRole('row', { name: /19621399-1234/ });
    await expect(bad.textContent()).resolves.toMatch(/^4Personnummer/);
    await expectAccessible(page, 'contact list preview');
    await screenshot(page, 'contact-import-preview.png');

    // Mapping a column again previews again with map=Tfn=mobile.
    const previewed = page.waitForResponse((r) => r.url().includes('map=Tfn%3Dmobile') && r.ok());
    await tfn.selectOption('mobile');
    await previewed;
    // The response has arrived; React renders it a moment later, so wait for the text, not read it at once.
    await marta.getByText('+46707654321').waitFor();
    expect(await tfn.inputValue()).toBe('mobile');

    await page.getByRole('button', { name: 'Importera 2 rader till kampanj-2026' }).click();
    const stats = page.getByRole('region', { name: 'Importerat till kampanj-2026' });
    await stats.waitFor();
    await expect(stats.locator('[data-fact="contactImport.stats.received"]').textContent()).resolves.toBe(
      '2',
    );
    await expect(
      stats.locator('[data-fact="contactImport.stats.profilesCreated"]').textContent(),
    ).resolves.toBe('1');
    await expect(stats.locator('[data-fact="contactImport.stats.consents"]').textContent()).resolves.toBe(
      '1',
    );

    await stats.getByRole('link', { name: 'Hitta personerna' }).click();
    await page.getByLabel('Personnummer, namn, e-post eller telefon').fill('Åkesson');
    await page.getByRole('button', { name: 'Sök', exact: true }).click();
    await page.getByRole('link', { name: 'Märta Åkesson' }).click();
    await page.getByRole('heading', { name: 'Märta Åkesson', level: 1 }).waitFor();
    const record = page.locator('li.record[data-source="kampanj-2026"]');
    await expect(record.textContent()).resolves.toContain('+46707654321');
    // "Samtycke e-post: Ja" became an outreach consent for that address, with the file row as evidence.
    const email = page
      .getByRole('region', { name: 'Kontaktuppgifter' })
      .getByRole('row', { name: /marta\.akesson/ });
    await expect(email.textContent()).resolves.toContain('Samtycke givet');
    await page.getByText('Kontaktlista kampanj-2026, rad 2').first().waitFor();

    // The second row joined the EHR patient by personnummer, and the page says why.
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    const joined = page.locator('li.record[data-source="kampanj-2026"]');
    await expect(joined.textContent()).resolves.toContain('Samma personnummer');
    await page.getByRole('heading', { name: 'Källor (2)' }).waitFor();
  });

  it('starts a double opt-in from the 360 page; the patient confirms on the public page', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    await page.getByRole('button', { name: 'Starta dubbel opt-in via e-post' }).click();
    const dialog = page.getByRole('dialog', { name: 'Starta dubbel opt-in via e-post' });
    await dialog.getByLabel('E-postadress').selectOption('sigrid.oberg@example.se');
    await expectAccessible(page, 'opt-in dialog');
    await dialog.getByRole('button', { name: 'Skapa bekräftelselänken' }).click();
    const link = (await dialog.getByTestId('opt-in-link').textContent())!;
    expect(link).toMatch(/\/confirm\/[\w-]{20,}$/);
    await dialog.getByRole('button', { name: 'Stäng' }).click();
    const points = page.getByRole('region', { name: 'Kontaktuppgifter' });
    await points
      .getByRole('row', { name: /sigrid\.oberg/ })
      .getByText('Väntar på bekräftelse')
      .waitFor();

    // The patient, not signed in, in a browser of their own, a minute later. (The server's clock stands
    // still in tests, and two consent events at one instant would be ordered by their random ids.)
    server.clock.advance(60_000);
    const patient = await newPage();
    await patient.goto(new URL(link).pathname);
    await patient.getByRole('heading', { name: 'Bekräfta e-post' }).waitFor();
    // The heading shows while the request is in flight; the masked address arrives with the answer.
    await patient.getByText('s***@example.se').waitFor();
    const what = (await patient.locator('main').textContent()) ?? '';
    expect(what).toContain('s***@example.se');
    expect(what).not.toContain('sigrid.oberg');
    expect(what).toContain('Alla ämnen');
    await expectAccessible(patient, 'opt-in confirmation (pending)');
    await screenshot(patient, 'opt-in-confirm.png');
    await patient.getByRole('button', { name: 'Ja, jag vill få den här e-posten' }).click();
    await patient.getByText('Tack! Din e-postadress är bekräftad.').waitFor();
    // Opened again, the link says it is already used.
    await patient.reload();
    await patient.getByText('Den här e-postadressen är redan bekräftad.').waitFor();

    await page.reload();
    await points
      .getByRole('row', { name: /sigrid\.oberg/ })
      .getByText('Samtycke givet')
      .waitFor();
    const history = page.locator('ol.consent-history');
    await expect(history.textContent()).resolves.toContain('Bekräftat av personen via länken i e-posten');
  });

  it('records a consent withdrawal and saves preferences', async () => {
    const page = await newPage();
    await signIn(page, 'clinical');
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    await page.getByRole('button', { name: 'Registrera samtycke eller återkallelse' }).click();
    const dialog = page.getByRole('dialog', { name: 'Registrera samtycke eller återkallelse' });
    await dialog.getByLabel('Återkallar samtycke').check();
    await dialog.getByLabel('Kanal').selectOption('letter');
    const note = dialog.getByLabel('Hur lämnade personen beskedet? (obligatoriskt)');
    await note.fill('ok');
    await dialog.getByRole('button', { name: 'Spara' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('minst 3 tecken');
    await note.fill('Ringde och bad om att slippa brev');
    await dialog.getByRole('button', { name: 'Spara' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const postal = page
      .getByRole('region', { name: 'Kontaktuppgifter' })
      .getByRole('row', { name: /Kungsgatan/ });
    await postal.getByText('Återkallat').waitFor();

    const prefs = page.getByRole('region', { name: 'Önskemål' });
    await prefs.getByLabel('Föredragen kanal').selectOption('sms');
    await prefs.getByLabel(/Kontakta ej/).check();
    await prefs.getByRole('button', { name: 'Spara önskemål' }).click();
    await page.locator('ul.flags').getByText('Kontakta ej').waitFor();
    await expect(page.locator('.profile-facts').textContent()).resolves.toContain('Föredragen kanal: SMS');
  });

  it('splits a wrongly joined record out into a profile of its own', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    const split = page.getByRole('form', { name: 'Dela upp profilen' });
    await split.getByLabel(/^kampanj-2026\//).check();
    await split.getByLabel('Skäl (obligatoriskt)').fill('Fel person i kampanjlistan');
    await split.getByRole('button', { name: 'Dela upp' }).click();
    await page.getByRole('link', { name: 'Öppna den nya profilen' }).waitFor();
    await page.getByRole('heading', { name: 'Källor (1)' }).waitFor();
    await page.getByRole('region', { name: 'Profilens historik' }).getByText('Uppdelad').waitFor();
  });

  it('has no serious or critical accessibility violations on the new pages, in both themes', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    const profile = (
      await (
        await page.request.get(`/api/profiles?q=${sigrid.personnummer}`, {
          headers: { accept: 'application/json' },
        })
      ).json()
    ).profiles.find((p: { fhirPatients: string[] }) => p.fhirPatients.length > 0);
    const pages: [string, string][] = [
      [`/profiles?q=${encodeURIComponent('Öberg')}`, 'table'],
      [`/profiles/${profile.id}`, '#clinical'],
      ['/sources/import', 'form'],
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
    await page.goto(`/profiles/${profile.id}`);
    await page.locator('main #clinical').waitFor();
    await screenshot(page, 'profile-dark-1280.png');

    // The public page: dark, an unknown link, and in English through the language switch.
    const patient = await newPage({ colorScheme: 'dark', locale: 'en-GB' });
    await patient.goto('/confirm/not-a-real-token-but-long-enough');
    await patient.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    // Swedish first on the patients' page, whatever the browser says.
    await patient.getByText('Bekräftelselänken är inte giltig.', { exact: false }).waitFor();
    await expectAccessible(patient, 'opt-in confirmation, invalid link (dark)');
    await patient.getByRole('button', { name: 'English' }).click();
    await patient.getByRole('heading', { name: 'Confirm e-mail' }).waitFor();
    await patient.getByText('This confirmation link is not valid.', { exact: false }).waitFor();
    await expectAccessible(patient, 'opt-in confirmation, invalid link (English)');
  });
});
