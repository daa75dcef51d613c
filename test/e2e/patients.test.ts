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

/** The API as an integration calls it (the administrator's token): data a test needs before the browser acts. */
async function callApi(path: string, init: { json?: unknown; csv?: string } = {}): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.json !== undefined || init.csv !== undefined ? 'POST' : 'GET',
    headers: {
      ...server.auth,
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.csv !== undefined ? { 'content-type': 'text/csv' } : {}),
    },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.csv,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Sigrid's profile: the one with her EHR patient (a split leaves a contact-list profile beside it). */
async function sigridProfile(): Promise<{ id: string }> {
  const { profiles } = await callApi(`/api/profiles?q=${sigrid.personnummer}`);
  return profiles.find((p: { fhirPatients: string[] }) => p.fhirPatients.length > 0);
}

/** The open possible duplicate whose reason names a source record ("event-2026/e1"). */
async function conflictNaming(
  record: string,
): Promise<{ id: string; profileId: string; otherProfileId: string | null }> {
  const { conflicts } = await callApi('/api/profile-conflicts');
  return conflicts.find((c: { reason: string }) => c.reason.includes(record));
}

/** A customer number system no one has a name for: shown as its URI. */
const KUND = 'http://region.example.se/kundnummer';
/** A samordningsnummer: the birth day plus 60. */
const ANNA_SAMNR = pnr('1980-01-61', '345');
const ANNA_PNR = pnr('1980-01-01', '123');

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
    expect(await page.getByRole('form', { name: 'Lägg till kontaktuppgift' }).count()).toBe(0);
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

  it('shows identifiers, and a coordinator reviews a possible duplicate: no merge across two personnummer, then not the same person', async () => {
    // A CRM list and an event list name the same customer number, but not the same personnummer:
    // unification will not join them by itself and queues a possible duplicate.
    await callApi('/api/sources/crm-2026/contacts', {
      csv: [
        'Förnamn;Efternamn;Personnummer;E-post;Identifierare;Identifierare;Id',
        `Anna;Ek;${dashed(ANNA_PNR)};anna.ek@example.se;urn:oid:1.2.752.129.2.1.3.3|${ANNA_SAMNR};${KUND}|K-1001;k1`,
      ].join('\r\n'),
    });
    server.clock.advance(60_000);
    const imported = await callApi('/api/sources/event-2026/contacts', {
      csv: [
        'Förnamn;Efternamn;Personnummer;Identifierare;Id',
        `Anna;Ek;${dashed(pnr('1980-01-01', '456'))};${KUND}|K-1001;e1`,
      ].join('\r\n'),
    });
    expect(imported.stats.conflicts).toBe(1);
    const conflict = await conflictNaming('event-2026/e1');

    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto(`/profiles/${conflict.profileId}`);
    await page.getByRole('heading', { name: 'Anna Ek', level: 1 }).waitFor();
    // Identifiers in the header: a known system by its name, an unknown one by its URI.
    const ids = page.locator('dl.profile-identifiers');
    await ids.getByRole('term').filter({ hasText: 'Samordningsnummer' }).waitFor();
    await ids
      .getByRole('definition')
      .filter({ hasText: dashed(ANNA_SAMNR) })
      .waitFor();
    await ids.getByRole('term').filter({ hasText: KUND }).waitFor();
    await ids.getByRole('definition').filter({ hasText: 'K-1001' }).waitFor();
    // And with the source record that gave them.
    await page.locator('li.record[data-source="crm-2026"]').getByText(dashed(ANNA_SAMNR)).waitFor();

    await page.getByRole('link', { name: 'En möjlig dubblett väntar på granskning.' }).waitFor();
    const duplicates = page.getByRole('region', { name: 'Möjliga dubbletter' });
    await duplicates.getByText('Olika personnummer', { exact: true }).waitFor();
    await duplicates.getByText('event-2026/e1', { exact: false }).waitFor();
    await expectAccessible(page, 'possible duplicates');

    // "The same person" is refused across two personnummer; the dialog says why.
    await duplicates.getByRole('button', { name: /^Slå ihop med den här profilen/ }).click();
    const merge = page.getByRole('dialog', { name: 'Slå ihop med den här profilen' });
    await merge.getByText('Posterna har olika personnummer.', { exact: false }).waitFor();
    await merge.getByLabel(/Hur kontrollerade du det/).fill('Ringde Anna och frågade');
    await merge.getByRole('button', { name: 'Slå ihop', exact: true }).click();
    await merge.getByRole('alert').getByText('cannot be one person', { exact: false }).waitFor();
    await expectAccessible(page, 'merge refused');
    await merge.getByRole('button', { name: 'Avbryt' }).click();
    await merge.waitFor({ state: 'hidden' });

    await duplicates.getByRole('button', { name: /^Inte samma person/ }).click();
    const different = page.getByRole('dialog', { name: 'Inte samma person' });
    await different.getByLabel(/Hur kontrollerade du det/).fill('Två olika kunder enligt kundregistret');
    await different.getByRole('button', { name: 'Spara: inte samma person' }).click();
    await different.waitFor({ state: 'hidden' });
    await page.getByRole('status').filter({ hasText: 'Sparat: inte samma person.' }).waitFor();
    await duplicates.waitFor({ state: 'detached' });
    expect(await page.getByText('möjlig dubblett', { exact: false }).count()).toBe(0);
    // The two stay two people.
    expect((await callApi('/api/profiles?q=Anna%20Ek')).profiles).toHaveLength(2);
  });

  it('reviews a possible duplicate through its link to the other profile and merges records that differ only in birth date', async () => {
    await callApi('/api/sources/medlemmar/contacts', {
      csv: [
        'Förnamn;Efternamn;Födelsedatum;E-post;Identifierare;Id',
        `Bo;Lund;1975-05-05;bo.lund@example.se;${KUND}|K-2002;m1`,
      ].join('\r\n'),
    });
    server.clock.advance(60_000);
    // The event list has the birth date mistyped: the two are not joined by themselves.
    await callApi('/api/sources/evenemang/contacts', {
      csv: ['Förnamn;Efternamn;Födelsedatum;Identifierare;Id', `Bo;Lund;1975-05-15;${KUND}|K-2002;v1`].join(
        '\r\n',
      ),
    });
    const conflict = await conflictNaming('evenemang/v1');

    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto(`/profiles/${conflict.profileId}`);
    await page.getByRole('heading', { name: 'Källor (1)' }).waitFor();
    const duplicates = page.getByRole('region', { name: 'Möjliga dubbletter' });
    await duplicates.getByText('Olika födelsedatum', { exact: true }).waitFor();
    // The other profile is one link away: the coordinator looks at it, then comes back.
    const other = duplicates.getByRole('link', { name: /^Öppna den andra profilen/ });
    expect(await other.getAttribute('href')).toBe(`/profiles/${conflict.otherProfileId}`);
    await other.click();
    await page.locator('li.record[data-source="evenemang"]').waitFor();
    await page.getByRole('heading', { name: 'Källor (1)' }).waitFor();
    expect(page.url()).toContain(conflict.otherProfileId);
    await page.goBack();
    await page.locator('li.record[data-source="medlemmar"]').waitFor();

    await duplicates.getByRole('button', { name: /^Slå ihop med den här profilen/ }).click();
    const merge = page.getByRole('dialog', { name: 'Slå ihop med den här profilen' });
    const reason = merge.getByLabel(/Hur kontrollerade du det/);
    await reason.fill('ok');
    await merge.getByRole('button', { name: 'Slå ihop', exact: true }).click();
    await merge.getByRole('alert').getByText('minst 3 tecken', { exact: false }).waitFor();
    await reason.fill('Bo bekräftade i telefon att han anmälde sig till evenemanget');
    await merge.getByRole('button', { name: 'Slå ihop', exact: true }).click();
    await merge.waitFor({ state: 'hidden' });
    await page.getByRole('status').filter({ hasText: 'Profilerna är sammanslagna.' }).waitFor();
    // The older profile survives: this page, now with both records.
    await page.getByRole('heading', { name: 'Källor (2)' }).waitFor();
    await duplicates.waitFor({ state: 'detached' });
    await page
      .getByRole('region', { name: 'Profilens historik' })
      .getByText('Sammanslagen manuellt')
      .waitFor();
    expect(page.url()).toContain(conflict.profileId);
    // The merged-in record says who merged it, when and why, instead of a rule's score.
    const joined = page.locator('li.record[data-source="evenemang"]');
    await joined.getByText('Sammanslagen manuellt', { exact: true }).waitFor();
    await joined
      .getByText(`${data.users.admin.email} slog ihop profilerna manuellt`, { exact: false })
      .waitFor();
    await joined.getByText('Skäl: ”Bo bekräftade i telefon att han anmälde sig till evenemanget”').waitFor();
    await expectAccessible(page, 'sources after a manual merge');
  });

  it('adds a mobile number (a bad one is refused at the field) and sets a bouncing e-mail active again', async () => {
    // Sigrid's mail provider reported a complaint: the address is marked bouncing and no longer used.
    const profile = await sigridProfile();
    const { contactPoints } = await callApi(`/api/profiles/${profile.id}`);
    const email = contactPoints.find((p: { value: string }) => p.value === 'sigrid.oberg@example.se');
    await callApi(`/api/contact-points/${email.id}/failures`, {
      json: { kind: 'complaint', detail: 'Markerad som skräppost av mottagaren' },
    });

    const page = await newPage();
    await signIn(page, 'clinical');
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    const points = page.getByRole('region', { name: 'Kontaktuppgifter' });
    const row = points.getByRole('row', { name: /sigrid\.oberg/ });
    await row.getByText('Studsar').waitFor();
    await row.getByText('1 misslyckad leverans').click();
    await row.getByText('Klagomål').waitFor();
    await row.getByText('Markerad som skräppost av mottagaren', { exact: false }).waitFor();
    await row.getByRole('button', { name: 'Sätt som aktiv sigrid.oberg@example.se' }).click();
    await points.getByRole('status').filter({ hasText: 'Kontaktuppgiften är aktiv igen.' }).waitFor();
    await row.getByText('Studsar').waitFor({ state: 'detached' });
    await row.getByText('Aktiv', { exact: true }).waitFor();

    const add = points.getByRole('form', { name: 'Lägg till kontaktuppgift' });
    await add.getByLabel('Typ', { exact: true }).selectOption('phone');
    const number = add.getByLabel('Telefonnummer');
    await number.fill('070-12');
    await add.getByRole('button', { name: 'Lägg till', exact: true }).click();
    // The server's reason, next to the field it is about.
    const fieldError = add.getByRole('alert');
    await fieldError.getByText('is not a valid phone number', { exact: false }).waitFor();
    expect(await number.getAttribute('aria-invalid')).toBe('true');
    expect(await number.getAttribute('aria-describedby')).toContain(await fieldError.getAttribute('id'));
    await expectAccessible(page, 'contact point form with a field error');
    await number.fill('070-555 12 34');
    await add.getByRole('button', { name: 'Lägg till', exact: true }).click();
    await add.getByRole('status').filter({ hasText: 'Kontaktuppgiften är tillagd.' }).waitFor();
    const mobile = points.getByRole('row', { name: /070-555 12 34/ });
    await mobile.waitFor();
    await mobile.getByText('manual').waitFor();
    expect(await add.getByRole('alert').count()).toBe(0);
  });

  it('saves the time zone messages follow', async () => {
    const page = await newPage();
    await signIn(page, 'clinical');
    await openProfile(page, sigrid.personnummer, 'Sigrid Öberg');
    const prefs = page.getByRole('region', { name: 'Önskemål' });
    const zone = prefs.getByLabel('Tidszon');
    expect(await zone.inputValue()).toBe('Europe/Stockholm');
    await zone.selectOption('Europe/Helsinki');
    await prefs.getByRole('button', { name: 'Spara önskemål' }).click();
    await prefs.getByRole('status').filter({ hasText: 'Önskemålen är sparade.' }).waitFor();
    expect((await callApi(`/api/profiles/${(await sigridProfile()).id}`)).profile.timeZone).toBe(
      'Europe/Helsinki',
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Sigrid Öberg', level: 1 }).waitFor();
    await prefs
      .getByRole('option', { name: /^Europe\/Helsinki/, selected: true })
      .waitFor({ state: 'attached' });
  });

  it('starts a double opt-in for open tracking, not only outreach', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    // Since the split, the administrator finds two Sigrid Öberg: open the one with her EHR patient.
    await page.goto(`/profiles/${(await sigridProfile()).id}`);
    await page.getByRole('heading', { name: 'Sigrid Öberg', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Starta dubbel opt-in via e-post' }).click();
    const dialog = page.getByRole('dialog', { name: 'Starta dubbel opt-in via e-post' });
    const purpose = dialog.getByLabel('Ändamål');
    // Care needs no consent: only the purposes that wait for a yes are offered.
    expect(await purpose.locator('option').allTextContents()).toEqual([
      'Utskick',
      'Mätning av öppningar och klick',
    ]);
    await purpose.selectOption('tracking');
    await dialog.getByRole('button', { name: 'Skapa bekräftelselänken' }).click();
    await dialog.getByTestId('opt-in-link').waitFor();
    await dialog.getByRole('button', { name: 'Stäng' }).click();
    await page
      .locator('ol.consent-history')
      .getByText('Väntar på bekräftelse: mätning av öppningar och klick via e-post', { exact: false })
      .first()
      .waitFor();
  });

  it('flags a profile that carries an erased person’s identifiers: no outreach, and why', async () => {
    // Two sign-ups of the same person join; a coordinator splits one off, then the person is erased.
    const row = 'Eva;Ström;1960-02-02;eva.strom@example.se';
    await callApi('/api/sources/anmalan-a/contacts', {
      csv: `Förnamn;Efternamn;Födelsedatum;E-post;Id\r\n${row};a1`,
    });
    await callApi('/api/sources/anmalan-b/contacts', {
      csv: `Förnamn;Efternamn;Födelsedatum;E-post;Id\r\n${row};b1`,
    });
    const [eva] = (await callApi('/api/profiles?q=eva.strom%40example.se')).profiles;
    const { records } = await callApi(`/api/profiles/${eva.id}`);
    const { newProfileId } = await callApi(`/api/profiles/${eva.id}/split`, {
      json: {
        recordIds: [records.find((r: { source: string }) => r.source === 'anmalan-b').id],
        reason: 'Trodde att det var en annan Eva',
      },
    });
    server.clock.advance(60_000);
    await callApi(`/api/profiles/${eva.id}/erase`, {
      json: { reason: 'Eva bad om radering', confirm: true },
    });

    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto(`/profiles/${newProfileId}`);
    await page.getByRole('heading', { name: 'Eva Ström', level: 1 }).waitFor();
    await page.locator('ul.flags').getByText('Spärrad: inga utskick').waitFor();
    await page
      .getByRole('region', { name: 'Att tänka på' })
      .getByText('Profilen har identifierare från en person som har raderats', { exact: false })
      .waitFor();
    const history = page.getByRole('region', { name: 'Profilens historik' });
    await history.getByText('Spärrad (spärrlistan)').waitFor();
    await history.getByText('Har identifierare från en raderad person', { exact: false }).waitFor();
    const check = page.getByRole('form', { name: 'Får vi kontakta personen?' });
    await check.getByRole('button', { name: 'Kontrollera' }).click();
    await check
      .getByText('Profilen har identifierare från en raderad person (spärrlistan)', { exact: false })
      .waitFor();
    await expectAccessible(page, 'suppressed profile');
  });

  it('shows a double opt-in whose link expired as expired, with a new opt-in to start', async () => {
    await callApi('/api/sources/nyhetsbrev/contacts', {
      csv: [
        'Förnamn;Efternamn;Födelsedatum;E-post;Id',
        'Karin;Holm;1970-03-03;karin.holm@example.se;n1',
      ].join('\r\n'),
    });
    const [karin] = (await callApi('/api/profiles?q=karin.holm%40example.se')).profiles;
    const started = await callApi(`/api/profiles/${karin.id}/opt-in`, {
      json: { email: 'karin.holm@example.se', purpose: 'outreach', topic: null },
    });
    // Three days and an hour later Karin has not confirmed: the link (72 hours) has expired.
    server.clock.advance(73 * 3_600_000);
    const expired = `Bekräftelselänken gick ut ${new Intl.DateTimeFormat('sv-SE', {
      dateStyle: 'medium',
      timeZone: 'Europe/Stockholm',
    }).format(new Date(started.expiresAt))}`;

    const page = await newPage();
    await signIn(page, 'admin');
    await page.goto(`/profiles/${karin.id}`);
    await page.getByRole('heading', { name: 'Karin Holm', level: 1 }).waitFor();
    // Not "no consent": the contact point and the matrix say the link expired, and when.
    const email = page
      .getByRole('region', { name: 'Kontaktuppgifter' })
      .getByRole('row', { name: /karin\.holm/ });
    await email.getByText(expired, { exact: false }).waitFor();
    const consent = page.getByRole('region', { name: 'Samtycke' });
    await consent.getByRole('table').getByText(expired, { exact: false }).first().waitFor();
    await consent
      .locator('ol.consent-history')
      .getByText(`${expired}: utskick via e-post, alla ämnen (karin.holm@example.se)`)
      .waitFor();
    await page
      .getByRole('region', { name: 'Tidslinje' })
      .getByText(`${expired}: utskick via e-post`, { exact: false })
      .waitFor();
    const check = consent.getByRole('form', { name: 'Får vi kontakta personen?' });
    await check.getByLabel('Kanal').selectOption('email');
    await check.getByRole('button', { name: 'Kontrollera' }).click();
    await check.getByText('innan bekräftelselänken gick ut', { exact: false }).waitFor();
    await expectAccessible(page, 'expired opt-in');

    // The notice starts a new opt-in for the same address and purpose.
    await consent.getByRole('button', { name: /^Starta ny dubbel opt-in/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Starta dubbel opt-in via e-post' });
    await dialog
      .getByRole('option', { name: 'karin.holm@example.se', selected: true })
      .waitFor({ state: 'attached' });
    await dialog.getByRole('option', { name: 'Utskick', selected: true }).waitFor({ state: 'attached' });
    await dialog.getByRole('button', { name: 'Skapa bekräftelselänken' }).click();
    await dialog.getByTestId('opt-in-link').waitFor();
    await dialog.getByRole('button', { name: 'Stäng' }).click();
    await email.getByText('Väntar på bekräftelse').waitFor();
    await consent.getByRole('button', { name: /^Starta ny dubbel opt-in/ }).waitFor({ state: 'detached' });
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
