import PDFDocument from 'pdfkit';
import type { Queryable } from '../db/client.ts';
import {
  clinicalSection,
  consentSection,
  contactPointsSection,
  historySection,
  optInSection,
  personSection,
  sourceRecordsSection,
} from './export/sections.ts';
import { createWriter } from './export/writer.ts';
import type { ProfileDetail } from './profile-read.ts';

/**
 * GDPR art. 15 and 20: everything we hold on a person, in a machine-readable
 * JSON document and a PDF a person can read. The FHIR resources are the copy
 * of the medical record the platform holds, not the record itself.
 */
export interface PersonExport {
  exportedAt: string;
  controllerNote: string;
  profile: ProfileDetail['profile'];
  sourceRecords: ProfileDetail['records'];
  contactPoints: ProfileDetail['contactPoints'];
  consentHistory: ProfileDetail['consents'];
  profileHistory: ProfileDetail['history'];
  optIns: Array<{
    email: string;
    purpose: string;
    topic: string | null;
    createdAt: string;
    expiresAt: string;
    confirmedAt: string | null;
  }>;
  clinicalResources: unknown[];
}

export async function buildExport(
  db: Queryable,
  detail: ProfileDetail,
  clinicalResources: unknown[],
  at: Date,
): Promise<PersonExport> {
  const optIns = await db.query<{
    email: string;
    purpose: string;
    topic: string | null;
    created_at: Date;
    expires_at: Date;
    confirmed_at: Date | null;
  }>(
    'SELECT email, purpose, topic, created_at, expires_at, confirmed_at FROM patient_opt_in WHERE profile_id = $1 ORDER BY created_at',
    [detail.profile.id],
  );
  return {
    exportedAt: at.toISOString(),
    controllerNote:
      'All data Patient Outreach holds on this person: the unified profile, each source record as received, contact points, consent history with evidence, profile history, e-mail confirmations, and the copy of clinical data held for outreach. The access log is exported separately (GET /api/audit/extract).',
    profile: detail.profile,
    sourceRecords: detail.records,
    contactPoints: detail.contactPoints,
    consentHistory: detail.consents,
    profileHistory: detail.history,
    optIns: optIns.map((o) => ({
      email: o.email,
      purpose: o.purpose,
      topic: o.topic,
      createdAt: new Date(o.created_at).toISOString(),
      expiresAt: new Date(o.expires_at).toISOString(),
      confirmedAt: o.confirmed_at ? new Date(o.confirmed_at).toISOString() : null,
    })),
    clinicalResources,
  };
}

/**
 * The same export as a readable A4 PDF, section by section as the JSON has it.
 * English, with Swedish in the title; the standard fonts' WinAnsi covers å, ä, ö.
 * Times are in the person's time zone.
 */
export function exportPdf(x: PersonExport): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 48, bottom: 48, left: 48, right: 48 },
    bufferPages: true,
    info: { Title: 'Registerutdrag / Data export', Producer: 'Patient Outreach' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const timeZone = x.profile.timeZone || 'Europe/Stockholm';
  const w = createWriter(doc, timeZone);

  doc.font('Helvetica-Bold').fontSize(18).text('Registerutdrag / Data export');
  w.note(`Patient Outreach · exported ${w.when(x.exportedAt)} (times in ${timeZone})`);
  w.note(x.controllerNote);
  w.note(
    'The JSON export holds the same data in machine-readable form, with every character as stored; here, letters the font lacks are shown without accents.',
  );

  personSection(w, x);
  contactPointsSection(w, x);
  consentSection(w, x);
  optInSection(w, x);
  sourceRecordsSection(w, x);
  historySection(w, x);
  clinicalSection(w, x);

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#555')
      .text(`${i + 1} / ${range.count}`, 48, doc.page.height - 32, { align: 'right' });
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}
