import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWindows1252 } from '../src/patients/csv/testing.ts';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, canContact, ehrPatient, findProfile, importCsv } from './patients-http.ts';

/** Contact lists uploaded over HTTP: preview, encodings, row errors, mapping, consent columns, joins. */

let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;

const KARL = { pnr: '199001011247', given: 'Karl', family: 'Wiklund', birthDate: '1990-01-01' };

beforeAll(async () => {
  s = await testServer('2026-05-04T07:30:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  await s.store.update('Patient', 'karl', ehrPatient('karl', { ...KARL, phones: ['070-555 66 77'] }));
  await sync.drain();
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

const crm = [
  'First name,Last name,Email,Mobile,Birth date',
  'Greta,Falk,greta.falk@example.com,070-444 11 22,1984-02-29',
  'Hugo,Strand,hugo@strand.example.se,,1999-12-31',
].join('\r\n');

const search = async (q: string) => (await api(`/api/profiles?q=${encodeURIComponent(q)}`)).body.profiles;

describe('importing a UTF-8 comma-separated list', () => {
  it('previews with dryRun=true and stores nothing', async () => {
    const r = await importCsv(api, 'crm', crm, 'dryRun=true');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      source: 'crm',
      encoding: 'utf-8',
      delimiter: ',',
      total: 2,
      accepted: 2,
      rejected: 0,
      stats: null,
    });
    expect(r.body.mapping.map((m: any) => `${m.column}=${m.field}`)).toEqual([
      'First name=givenName',
      'Last name=familyName',
      'Email=email',
      'Mobile=mobile',
      'Birth date=birthDate',
    ]);
    expect(r.body.preview[0]).toMatchObject({
      row: 2,
      record: { given: ['Greta'], family: 'Falk', phones: ['+46704441122'], birthDate: '1984-02-29' },
    });
    expect(await search('greta.falk@example.com')).toEqual([]);
    expect(await search('Falk')).toEqual([]);
  });

  it('imports for real, reports the stats, and a re-import changes nothing', async () => {
    const r = await importCsv(api, 'crm', crm);
    expect(r.status, r.text).toBe(200);
    expect(r.body.stats).toMatchObject({ received: 2, created: 2, profilesCreated: 2, joined: 0 });
    const [greta] = await search('greta.falk@example.com');
    expect(greta).toMatchObject({ name: 'Greta Falk', birthDate: '1984-02-29', sources: ['crm'] });

    s.clock.advance(86_400_000);
    const again = await importCsv(api, 'crm', crm);
    expect(again.body.stats).toMatchObject({
      received: 2,
      created: 0,
      updated: 0,
      unchanged: 2,
      profilesCreated: 0,
    });
    expect(await search('Falk')).toHaveLength(1);
    const sources = await api('/api/sources');
    expect(sources.body.sources.find((x: any) => x.name === 'crm')).toMatchObject({
      kind: 'csv',
      records: 2,
    });
  });
});

describe('Swedish spreadsheets', () => {
  it('reads Windows-1252 with semicolons and Swedish headers, keeping å, ä and ö', async () => {
    const file = encodeWindows1252(
      [
        'Förnamn;Efternamn;Personnummer;E-post;Mobil',
        'Åsa;Öberg;19751224-5676;asa.oberg@example.se;0731234567',
        'Jöns;Ärlig;620315-2341;jons@example.se;0722223344',
        'Märta;Lövgren;196203152340;marta@example.se;0709998877',
      ].join('\r\n'),
    );
    const r = await importCsv(api, 'kommun', file);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      encoding: 'windows-1252',
      delimiter: ';',
      total: 3,
      accepted: 2,
      rejected: 1,
    });
    expect(r.body.errors).toEqual([
      {
        row: 3,
        column: 'Personnummer',
        field: 'personnummer',
        value: '620315-2341',
        error:
          'Personnummer (personnummer): 620315-2341 fails the Luhn check (last digit should be 0); check the number',
      },
    ]);
    expect(r.body.stats).toMatchObject({ created: 2, profilesCreated: 2 });
    const [asa] = await search('Öberg');
    expect(asa).toMatchObject({ name: 'Åsa Öberg', personnummer: '197512245676', birthDate: '1975-12-24' });
    expect(await search('Ärlig')).toEqual([]);
    const page = await api(`/api/profiles/${asa.id}`);
    expect(page.body.profile.golden).toMatchObject({ given: ['Åsa'], family: 'Öberg' });
    expect(page.body.contactPoints.map((p: any) => p.display).sort()).toEqual([
      '073-123 45 67',
      'asa.oberg@example.se',
    ]);
  });

  it('maps a column by override, and refuses an override naming a column the file lacks', async () => {
    const file = 'Förnamn;Efternamn;Nummer\nIda;Berglund;0761234567\n';
    const plain = await importCsv(api, 'forening', file, 'dryRun=true');
    expect(plain.body.unmapped).toEqual(['Nummer']);
    expect(plain.body.preview[0].record.phones).toEqual([]);

    const mapped = await importCsv(api, 'forening', file, `map=${encodeURIComponent('Nummer=mobile')}`);
    expect(mapped.status, mapped.text).toBe(200);
    expect(mapped.body.mapping).toContainEqual({ column: 'Nummer', field: 'mobile' });
    expect(mapped.body.unmapped).toEqual([]);
    const [ida] = await search('Ida Berglund');
    expect(await canContact(api, ida.id, 'channel=sms&purpose=care')).toMatchObject({ allowed: true });

    const unknown = await importCsv(api, 'forening', file, 'map=Mobilnr=mobile');
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toContain('Mobilnr=mobile: the file has no column "Mobilnr"');
    expect(unknown.body.detail).toContain('columns are "Förnamn", "Efternamn", "Nummer"');
    const badField = await importCsv(api, 'forening', file, 'map=Nummer=telefon');
    expect(badField.status).toBe(422);
    expect(badField.body.detail).toMatch(/"telefon" is not a field; fields are personnummer, givenName/);
    const malformed = await importCsv(api, 'forening', file, 'map=Nummer');
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toBe('map: \'Nummer\' must be "Column=field", e.g. "Mobilnr=mobile"');
  });

  it('refuses an empty body or a file without a name column', async () => {
    const empty = await importCsv(api, 'crm', '');
    expect(empty.status).toBe(415);
    expect(empty.body.detail).toMatch(/send the CSV file as the request body with Content-Type text\/csv/);
    const json = await api('/api/sources/crm/contacts', { json: { rows: [] } });
    expect(json.status).toBe(415);
    const nameless = await importCsv(api, 'crm', 'E-post,Mobil\nx@example.com,0701234567\n');
    expect(nameless.status).toBe(422);
    expect(nameless.body.detail).toMatch(/no column holds a name, personnummer or identifier/);
  });
});

describe('consent columns and joins with the EHR', () => {
  it('turns consent columns into consent history with the file row as evidence', async () => {
    const file = [
      'Förnamn,Efternamn,E-post,Mobil,Samtycke e-post,Samtycke SMS',
      'Lisa,Kvist,lisa.kvist@example.com,0701239876,ja,nej',
    ].join('\n');
    const r = await importCsv(api, 'nyhetsbrev', file);
    expect(r.status, r.text).toBe(200);
    expect(r.body.stats.consents).toBe(2);
    const [lisa] = await search('Kvist');
    const h = await api(`/api/profiles/${lisa.id}/consents`);
    expect(h.body.events.map((e: any) => [e.channel, e.state, e.contactValue, e.evidence])).toEqual(
      expect.arrayContaining([
        ['email', 'granted', 'lisa.kvist@example.com', { kind: 'import', source: 'nyhetsbrev', row: 2 }],
        ['sms', 'withdrawn', '+46701239876', { kind: 'import', source: 'nyhetsbrev', row: 2 }],
      ]),
    );
    expect(await canContact(api, lisa.id, 'channel=email&purpose=outreach')).toMatchObject({
      allowed: true,
      basis: 'consent',
    });
    expect(await canContact(api, lisa.id, 'channel=sms&purpose=outreach')).toMatchObject({
      allowed: false,
      denyReason: 'withdrawn',
    });
    const bad = await importCsv(api, 'nyhetsbrev', file.replace(',nej', ',kanske'), 'dryRun=true');
    expect(bad.body.errors[0]).toMatchObject({ row: 2, column: 'Samtycke SMS' });
    expect(bad.body.errors[0].error).toMatch(/"kanske" is neither yes nor no; write ja\/nej/);
  });

  it('joins a row with an EHR patient’s personnummer to that patient’s profile, explaining why', async () => {
    const karl = await findProfile(api, KARL.pnr);
    const file = 'Personnummer,Förnamn,Efternamn,E-post\n19900101-1247,Kalle,Wiklund,kalle@example.com\n';
    const r = await importCsv(api, 'gym', file);
    expect(r.body.stats).toMatchObject({ created: 1, joined: 1, profilesCreated: 0 });
    expect(await findProfile(api, 'kalle@example.com')).toBe(karl);
    const page = await api(`/api/profiles/${karl}`);
    expect(page.body.fhirPatients).toEqual(['karl']);
    expect(page.body.records.map((x: any) => [x.source, x.sourceKind])).toEqual([
      ['ehr', 'fhir'],
      ['gym', 'csv'],
    ]);
    const joined = page.body.records.find((x: any) => x.source === 'gym');
    expect(joined.match).toMatchObject({
      rule: 'personnummer',
      explanation: {
        rule: 'personnummer',
        score: 1,
        fields: [{ field: 'personnummer', a: '199001011247', b: '199001011247', similarity: 1 }],
      },
    });
    // The EHR's name wins over the gym's nickname.
    expect(page.body.profile.golden.given).toEqual(['Karl']);
    const again = await importCsv(api, 'gym', file);
    expect(again.body.stats).toMatchObject({ unchanged: 1, created: 0, joined: 0 });
  });
});
