import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, type FhirHttp, fhirHttp, searchAll } from './fhir-http.ts';
import { type TestServer, testServer } from './helpers.ts';
import { SYNTHEA_COUNTS, unpackSynthea } from './synthea.ts';

const HBA1C = 'http://loinc.org|4548-4';
const EXPECTED_COUNTS = SYNTHEA_COUNTS;

/** A resource from the files, with the id the server gave it and its patient's server id. */
interface Loaded {
  id: string;
  patient?: string;
  r: any;
}

interface PatientFile {
  id: string;
  patient: any;
  observations: Loaded[];
  /** Resources of the bundle in the patient compartment (all but Organization and Practitioner). */
  compartment: number;
}

let server: TestServer;
let http: FhirHttp;
let unpacked: ReturnType<typeof unpackSynthea>;
const byType = new Map<string, Loaded[]>();
const patients: PatientFile[] = [];
const transactionFailures: any[] = [];
let groupResult: { status: number; body: any } | undefined;

beforeAll(async () => {
  unpacked = unpackSynthea();
  server = await testServer('2026-01-01T00:00:00Z');
  http = fhirHttp(server);
  const folder = unpacked.dir;
  const files = fs.readdirSync(folder).sort();
  let groupText: string | undefined;
  for (const file of files) {
    const text = fs.readFileSync(path.join(folder, file), 'utf8');
    const bundle = JSON.parse(text);
    if (bundle.resourceType !== 'Bundle') {
      groupText = text;
      continue;
    }
    const res = await http.post('', text);
    const statuses = (res.body?.entry ?? []).map((e: { response: { status: string } }) => e.response.status);
    if (
      res.status !== 200 ||
      statuses.length !== bundle.entry.length ||
      statuses.some((s: string) => !s.startsWith('201'))
    ) {
      transactionFailures.push({ file, status: res.status, outcome: res.text.slice(0, 2000) });
      continue;
    }
    // fullUrl → server id, from each entry's Location (Type/id/_history/1).
    const ids = new Map<string, string>();
    bundle.entry.forEach((e: { fullUrl: string }, i: number) => {
      ids.set(e.fullUrl, res.body.entry[i].response.location.split('/')[1]);
    });
    const patientEntry = bundle.entry.find(
      (e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Patient',
    );
    const patientId = patientEntry ? ids.get(patientEntry.fullUrl) : undefined;
    const pf: PatientFile | undefined = patientEntry
      ? { id: patientId!, patient: patientEntry.resource, observations: [], compartment: 0 }
      : undefined;
    for (const e of bundle.entry) {
      const type = e.resource.resourceType;
      const loaded: Loaded = { id: ids.get(e.fullUrl)!, patient: patientId, r: e.resource };
      if (!byType.has(type)) byType.set(type, []);
      byType.get(type)!.push(loaded);
      if (pf && type === 'Observation') pf.observations.push(loaded);
      if (pf && type !== 'Organization' && type !== 'Practitioner') pf.compartment++;
    }
    if (pf) patients.push(pf);
  }
  if (groupText) {
    const res = await http.post('Group', groupText);
    groupResult = { status: res.status, body: res.body };
  }
}, 1_800_000);

afterAll(async () => {
  await server?.close();
  unpacked?.cleanup();
});

/** The instants a FHIR date, dateTime or Period covers, as [lo, hi] in ms. */
function range(v: unknown): [number, number] | undefined {
  if (typeof v === 'string') {
    if (/^\d{4}$/.test(v)) return [Date.UTC(+v, 0, 1), Date.UTC(+v + 1, 0, 1) - 1];
    if (/^\d{4}-\d{2}$/.test(v))
      return [Date.UTC(+v.slice(0, 4), +v.slice(5) - 1, 1), Date.UTC(+v.slice(0, 4), +v.slice(5), 1) - 1];
    if (/^\d{4}-\d{2}-\d{2}$/.test(v))
      return [Date.parse(`${v}T00:00:00Z`), Date.parse(`${v}T00:00:00Z`) + 86_400_000 - 1];
    const m = /T\d{2}:\d{2}(:\d{2}(\.(\d+))?)?/.exec(v)!;
    const lo = Date.parse(v);
    const width = !m[1] ? 60_000 : !m[3] ? 1000 : 10 ** Math.max(0, 3 - m[3].length);
    return [lo, lo + width - 1];
  }
  if (v && typeof v === 'object' && ('start' in v || 'end' in v)) {
    const p = v as { start?: string; end?: string };
    return [p.start ? range(p.start)![0] : -Infinity, p.end ? range(p.end)![1] : Infinity];
  }
  return undefined;
}

/** ge/lt as FHIR defines them on ranges: ge X ⇔ hi ≥ X.lo; lt X ⇔ lo < X.lo. */
const ge = (r: [number, number], x: string) => r[1] >= range(x)![0];
const lt = (r: [number, number], x: string) => r[0] < range(x)![0];

const hasCode = (cc: { coding?: { system?: string; code?: string }[] } | undefined, token: string) => {
  const [system, code] = token.split('|');
  return (cc?.coding ?? []).some((c) => c.system === system && c.code === code);
};
const idsOf = (list: { id: string }[]) => list.map((x) => x.id).sort();
const hba1c = () => byType.get('Observation')!.filter((o) => hasCode(o.r.code, HBA1C));

describe('Synthea corpus over the FHIR API', () => {
  it('imports every transaction bundle unchanged, each entry 201', () => {
    expect(transactionFailures).toEqual([]);
    expect(patients).toHaveLength(100);
    expect([...byType.values()].reduce((n, l) => n + l.length, 0)).toBe(38_970);
  });

  it('accepts the Group whose members are urn:uuid references', () => {
    expect(groupResult?.status, JSON.stringify(groupResult?.body).slice(0, 1000)).toBe(201);
    expect(groupResult?.body.member).toHaveLength(100);
  });

  it('per-type counts equal the corpus README', async () => {
    const counts: Record<string, number> = {};
    for (const type of Object.keys(EXPECTED_COUNTS)) counts[type] = await countOf(http, type);
    expect(counts).toEqual(EXPECTED_COUNTS);
    for (const [type, list] of byType) expect(list.length, type).toBe(EXPECTED_COUNTS[type]);
  });

  it('code search returns exactly the HbA1c observations in the files', async () => {
    const expected = idsOf(hba1c());
    expect(expected.length).toBeGreaterThan(100);
    const found = await searchAll(http, `Observation?code=${HBA1C}&_count=1000`);
    expect(idsOf(found)).toEqual(expected);
    expect(await countOf(http, `Observation?code=${HBA1C}`)).toBe(expected.length);
  });

  it('date-range searches equal a scan of the files', async () => {
    const a1cRange = hba1c().filter((o) => {
      const r = range(o.r.effectiveDateTime ?? o.r.effectivePeriod)!;
      return ge(r, '2015-01-01') && lt(r, '2018-01-01');
    });
    expect(a1cRange.length).toBeGreaterThan(0);
    expect(a1cRange.length).toBeLessThan(hba1c().length);
    expect(
      idsOf(
        await searchAll(http, `Observation?code=${HBA1C}&date=ge2015-01-01&date=lt2018-01-01&_count=1000`),
      ),
    ).toEqual(idsOf(a1cRange));

    const conditions = byType.get('Condition')!.filter((c) => {
      const r = range(c.r.onsetDateTime ?? c.r.onsetPeriod);
      return r !== undefined && ge(r, '2012');
    });
    expect(conditions.length).toBeGreaterThan(0);
    expect(idsOf(await searchAll(http, 'Condition?onset-date=ge2012&_count=1000'))).toEqual(
      idsOf(conditions),
    );

    const encounters = byType.get('Encounter')!.filter((e) => ge(range(e.r.period)!, '2019-01-01'));
    expect(encounters.length).toBeGreaterThan(0);
    expect(idsOf(await searchAll(http, 'Encounter?date=ge2019-01-01&_count=1000'))).toEqual(
      idsOf(encounters),
    );
  });

  it('patient searches: all observations, and the latest HbA1c', async () => {
    const chosen = patients
      .filter((p) => p.observations.filter((o) => hasCode(o.r.code, HBA1C)).length >= 3)
      .slice(0, 3);
    expect(chosen).toHaveLength(3);
    for (const p of chosen) {
      expect(await countOf(http, `Observation?patient=${p.id}`)).toBe(p.observations.length);
      expect(await countOf(http, `Observation?subject=Patient/${p.id}`)).toBe(p.observations.length);
      const mine = p.observations.filter((o) => hasCode(o.r.code, HBA1C));
      const latestAt = Math.max(...mine.map((o) => Date.parse(o.r.effectiveDateTime)));
      const latest = mine.filter((o) => Date.parse(o.r.effectiveDateTime) === latestAt).map((o) => o.id);
      const r = await http.get(`Observation?patient=${p.id}&code=${HBA1C}&_sort=-date&_count=1`);
      expect(r.status).toBe(200);
      const matches = r.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match');
      expect(matches).toHaveLength(1);
      expect(latest).toContain(matches[0].resource.id);
      expect(matches[0].resource.subject.reference).toBe(`Patient/${p.id}`);
    }
  });

  it('Patient by family name and by birth date', async () => {
    const family = 'Streich';
    const byFamily = patients.filter((p) =>
      p.patient.name.some((n: { family?: string }) =>
        n.family?.toLowerCase().startsWith(family.toLowerCase()),
      ),
    );
    expect(byFamily.length).toBeGreaterThan(1);
    expect(idsOf(await searchAll(http, `Patient?family=${family}`))).toEqual(idsOf(byFamily));

    const birthDate = patients[0].patient.birthDate;
    const born = patients.filter((p) => p.patient.birthDate === birthDate);
    expect(idsOf(await searchAll(http, `Patient?birthdate=${birthDate}`))).toEqual(idsOf(born));
    const before1950 = patients.filter((p) => p.patient.birthDate < '1950-01-01');
    expect(idsOf(await searchAll(http, 'Patient?birthdate=lt1950-01-01&_count=1000'))).toEqual(
      idsOf(before1950),
    );
  });

  it('value-quantity on HbA1c equals a scan', async () => {
    // The corpus's HbA1c values run from about 5.5 to 6.4 %, so gt7 matches nothing; gt6 and le5.8 split them.
    for (const [prefix, test] of [
      ['gt7', (v: number) => v > 7],
      ['gt6', (v: number) => v > 6],
      ['le5.8', (v: number) => v <= 5.8],
    ] as const) {
      const want = hba1c().filter(
        (o) =>
          test(o.r.valueQuantity?.value) &&
          o.r.valueQuantity.system === 'http://unitsofmeasure.org' &&
          o.r.valueQuantity.code === '%',
      );
      if (prefix !== 'gt7') expect(want.length, prefix).toBeGreaterThan(0);
      expect(want.length, prefix).toBeLessThan(hba1c().length);
      const q = encodeURIComponent(`${prefix}|http://unitsofmeasure.org|%`);
      expect(
        idsOf(await searchAll(http, `Observation?code=${HBA1C}&value-quantity=${q}&_count=1000`)),
        prefix,
      ).toEqual(idsOf(want));
    }
    const other = encodeURIComponent('gt6|http://unitsofmeasure.org|mmol/mol');
    expect(await countOf(http, `Observation?code=${HBA1C}&value-quantity=${other}`)).toBe(0);
  });

  it('_include and _revinclude of Observation:patient', async () => {
    const p = patients.find((x) => x.observations.some((o) => hasCode(o.r.code, HBA1C)))!;
    const inc = await http.get(
      `Observation?patient=${p.id}&code=${HBA1C}&_include=Observation:patient&_count=1000`,
    );
    expect(inc.status).toBe(200);
    const incMatches = inc.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match');
    const incIncluded = inc.body.entry.filter(
      (e: { search: { mode: string } }) => e.search.mode === 'include',
    );
    expect(incMatches.length).toBe(p.observations.filter((o) => hasCode(o.r.code, HBA1C)).length);
    expect(
      incIncluded.map(
        (e: { resource: { resourceType: string; id: string } }) =>
          `${e.resource.resourceType}/${e.resource.id}`,
      ),
    ).toEqual([`Patient/${p.id}`]);

    const rev = await http.get(`Patient?_id=${p.id}&_revinclude=Observation:patient`);
    expect(rev.status).toBe(200);
    const revMatches = rev.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match');
    expect(revMatches.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([p.id]);
    const revIncluded = rev.body.entry.filter(
      (e: { search: { mode: string } }) => e.search.mode === 'include',
    );
    expect(revIncluded.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual(
      idsOf(p.observations),
    );
  });

  it('Patient/$everything holds every observation of that patient', async () => {
    const p = patients[1];
    const seen = new Map<string, number>();
    let total: number | undefined;
    let next: string | undefined = `Patient/${p.id}/$everything`;
    while (next) {
      const r = await http.get(next);
      expect(r.status).toBe(200);
      total = r.body.total;
      for (const e of r.body.entry) {
        const key = `${e.resource.resourceType}/${e.resource.id}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      next = r.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
    }
    expect(total).toBe(p.compartment);
    expect(seen.get(`Patient/${p.id}`)).toBe(1);
    for (const o of p.observations) expect(seen.get(`Observation/${o.id}`), o.id).toBe(1);
    const observations = [...seen.keys()].filter((k) => k.startsWith('Observation/'));
    expect(observations).toHaveLength(p.observations.length);
  });

  it('paging with _count=50 via link[next] sees every match exactly once', async () => {
    const seen: string[] = [];
    let next: string | undefined = `Observation?code=${HBA1C}&_count=50`;
    let pages = 0;
    while (next) {
      const r = await http.get(next);
      expect(r.status).toBe(200);
      const entries = r.body.entry ?? [];
      expect(entries.length).toBeLessThanOrEqual(50);
      seen.push(...entries.map((e: { resource: { id: string } }) => e.resource.id));
      next = r.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
      pages++;
    }
    const expected = idsOf(hba1c());
    expect(pages).toBe(Math.ceil(expected.length / 50));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(expected);
  });
});
