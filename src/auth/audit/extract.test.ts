import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCsv, extractFileName, extractPdf, patientAccessRecords, resourcesFor } from './extract.ts';
import { AuditLog } from './log.ts';
import { type AuditTestDb, auditTestDb, parseCsv, pdfText, testPrincipal, testRecord } from './testing.ts';

describe('access log extract', () => {
  it('CSV: BOM, header row, CRLF, one row per record in Swedish local time and UTC', () => {
    const csv = extractCsv('p1', [
      testRecord(),
      testRecord({
        seq: 2,
        at: '2026-07-01T08:00:00.000Z',
        actorName: 'Lars "Lasse" Nilsson, sjuksköterska',
        careUnits: ['vc-ekhagen', 'akuten'],
        action: 'emergency-access',
        purpose: 'medvetslös, ingen anhörig nåbar',
        emergency: true,
        ip: null,
      }),
    ]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv.slice(1));
    expect(rows[0]).toEqual([
      'Tid / Time (Europe/Stockholm)',
      'Tid / Time (ISO 8601 UTC)',
      'Vem / Who',
      'Roll / Role',
      'Vårdenheter / Care units',
      'Åtgärd / Action',
      'Utfall / Outcome',
      'Uppgifter / Resources',
      'Ändamål / Purpose',
      'Nödåtkomst / Emergency access',
      'IP-adress / IP address',
    ]);
    expect(rows).toHaveLength(3);
    // 12:30 UTC on the day summer time starts is 14:30 in Stockholm; 1 July 08:00 UTC is 10:00.
    expect(rows[1]).toEqual([
      '2026-03-29 14:30:00',
      '2026-03-29T12:30:00.000Z',
      'Åsa Öberg',
      'clinical',
      'vc-ekhagen',
      'läsning / read',
      'genomförd / done',
      'Patient/p1',
      '',
      'nej / no',
      '10.0.0.7',
    ]);
    expect(rows[2].slice(0, 3)).toEqual([
      '2026-07-01 10:00:00',
      '2026-07-01T08:00:00.000Z',
      'Lars "Lasse" Nilsson, sjuksköterska',
    ]);
    expect(rows[2].slice(4)).toEqual([
      'vc-ekhagen; akuten',
      'nödåtkomst / emergency access',
      'genomförd / done',
      'Patient/p1',
      'medvetslös, ingen anhörig nåbar',
      'ja / yes',
      '',
    ]);
  });

  it('CSV: values a spreadsheet would run as formulas are defused', () => {
    const rows = parseCsv(
      extractCsv('p1', [testRecord({ actorName: '=HYPERLINK("http://x")', purpose: '+1' })]).slice(1),
    );
    expect(rows[1][2]).toBe(`'=HYPERLINK("http://x")`);
    expect(rows[1][8]).toBe(`'+1`);
  });

  it('shows only this patient’s resources: other patients’ ids never appear', () => {
    // A search that returned this patient and another.
    const search = testRecord({
      action: 'search',
      resourceType: 'Patient',
      resourceIds: ['p1', 'p2'],
      patientIds: ['p1', 'p2'],
    });
    expect(resourcesFor(search, 'p1')).toBe('Patient/p1');
    const obsBoth = testRecord({
      resourceType: 'Observation',
      resourceIds: ['o1', 'o2', 'o3'],
      patientIds: ['p1', 'p2'],
    });
    expect(resourcesFor(obsBoth, 'p1')).toBe('Observation (3)');
    const obsOwn = testRecord({ resourceType: 'Observation', resourceIds: ['o1', 'o2'], patientIds: ['p1'] });
    expect(resourcesFor(obsOwn, 'p1')).toBe('Observation/o1; Observation/o2');
    const many = testRecord({
      resourceType: 'Observation',
      resourceIds: Array.from({ length: 13 }, (_, i) => `o${i}`),
    });
    expect(resourcesFor(many, 'p1')).toMatch(/Observation\/o9 \(\+3\)$/);
    const csv = extractCsv('p1', [search, obsBoth]);
    expect(csv).not.toContain('p2');
  });

  it('PDF: title, patient, period, generated-at, the actor, page numbers on every page', async () => {
    const records = Array.from({ length: 120 }, (_, i) =>
      testRecord({
        seq: i + 1,
        actorName: i === 119 ? 'Sista Användaren' : 'Åsa Öberg',
        purpose: i % 10 === 0 ? 'uppföljning av provsvar' : null,
      }),
    );
    const pdf = await extractPdf('p1', records, {
      range: { from: '2026-01-01', to: '2026-03-31' },
      generatedAt: new Date('2026-04-02T07:15:00Z'),
      compress: false,
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Loggutdrag / Access log extract');
    expect(text).toContain('Patient: p1');
    expect(text).toContain('Period: 2026-01-01');
    expect(text).toContain('2026-04-02 09:15:00');
    expect(text).toContain('Åsa Öberg');
    expect(text).toContain('Sista Användaren');
    const pages = [...text.matchAll(/Sida \/ Page (\d+) \/ (\d+)/g)];
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.map((m) => Number(m[1]))).toEqual(pages.map((_, i) => i + 1));
    expect(new Set(pages.map((m) => m[2]))).toEqual(new Set([String(pages.length)]));
    // The table header is repeated on every page.
    expect(text.match(/Vem \/ Who/g)?.length).toBe(pages.length);
  });

  it('PDF: an empty extract says so; compressed by default', async () => {
    const pdf = await extractPdf('p9', [], {
      generatedAt: new Date('2026-04-02T07:15:00Z'),
      compress: false,
    });
    expect(pdfText(pdf)).toContain('No access was recorded in this period.');
    const compressed = await extractPdf('p9', [], { generatedAt: new Date('2026-04-02T07:15:00Z') });
    expect(compressed.toString('latin1')).toContain('/FlateDecode');
  });

  it('names the file after the patient and the Swedish date', () => {
    expect(extractFileName('p1', new Date('2026-04-01T23:30:00Z'), 'csv')).toBe(
      'audit-extract-p1-2026-04-02.csv',
    );
    expect(extractFileName('../etc"x', new Date('2026-04-01T10:00:00Z'), 'pdf')).toBe(
      'audit-extract-.._etc_x-2026-04-01.pdf',
    );
  });

  describe('from the database', () => {
    let env: AuditTestDb;
    beforeAll(async () => {
      env = await auditTestDb('2026-01-10T09:00:00Z');
      const log = new AuditLog(env.db, env.clock);
      const rec = (patients: string[], name: string) =>
        log.record(
          testPrincipal({ actorName: name }),
          { action: 'read', outcome: 'success', patientIds: patients },
          { ip: null, client: null },
        );
      await rec(['p1'], 'first');
      env.clock.set('2026-02-10T09:00:00Z');
      await rec(['p2'], 'other patient');
      await rec(['p2', 'p1'], 'both');
      env.clock.set('2026-03-10T09:00:00Z');
      await rec(['p1'], 'last');
    });
    afterAll(() => env.close());

    it('collects every record that touched the patient, oldest first, within the period', async () => {
      expect((await patientAccessRecords(env.db, 'p1')).map((r) => r.actorName)).toEqual([
        'first',
        'both',
        'last',
      ]);
      expect(
        (await patientAccessRecords(env.db, 'p1', { from: '2026-02-01', to: '2026-02-28' })).map(
          (r) => r.actorName,
        ),
      ).toEqual(['both']);
      expect(await patientAccessRecords(env.db, 'nobody')).toEqual([]);
    });
  });
});
