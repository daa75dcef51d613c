import PDFDocument from 'pdfkit';
import type { Queryable } from '../db/client.ts';
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

const MONO = 'Courier';

/** The same export as a readable A4 PDF (Helvetica covers å, ä, ö). */
export function exportPdf(x: PersonExport): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 48, bottom: 48, left: 48, right: 48 },
    bufferPages: true,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const g = x.profile.golden;
  const h1 = (t: string) =>
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).text(t).font('Helvetica').fontSize(10);
  const line = (label: string, value: string | null | undefined) =>
    doc
      .font('Helvetica-Bold')
      .text(`${label}: `, { continued: true })
      .font('Helvetica')
      .text(value ?? '—');

  doc.font('Helvetica-Bold').fontSize(18).text('Registerutdrag / Data export');
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor('#555')
    .text(`Patient Outreach · ${x.exportedAt}`)
    .fillColor('black');
  doc.moveDown(0.5).fontSize(9).text(x.controllerNote);

  h1('Person');
  doc.fontSize(10);
  line('Name', [...(g.given ?? []), g.family].filter(Boolean).join(' '));
  line('Personnummer', g.personnummer);
  line('Birth date', g.birthDate);
  line('Gender', g.gender);
  line(
    'Address',
    g.address ? [...g.address.lines, g.address.postalCode, g.address.city].filter(Boolean).join(', ') : null,
  );
  line('Language', x.profile.language ?? g.language);
  line('Preferred channel', x.profile.preferredChannel);
  line('Do not contact', x.profile.doNotContact ? 'yes' : 'no');
  line('Processing restricted', x.profile.restricted ? `yes (${x.profile.restrictedReason ?? ''})` : 'no');

  h1(`Contact points (${x.contactPoints.length})`);
  for (const p of x.contactPoints)
    doc.text(
      `${p.kind}: ${p.display} — ${p.status}${p.verifiedAt ? `, verified ${p.verifiedAt.slice(0, 10)}` : ''}; from ${p.sources.join(', ') || 'manual entry'}`,
    );

  h1(`Consent history (${x.consentHistory.length})`);
  for (const e of x.consentHistory)
    doc.text(
      `${e.at.slice(0, 16).replace('T', ' ')} ${e.purpose}/${e.channel ?? 'all channels'}${e.topic ? `/${e.topic}` : ''}: ${e.objection ? 'objection (art. 21)' : e.state} — ${e.source}, ${evidenceText(e.evidence)}`,
    );

  h1(`Source records (${x.sourceRecords.length})`);
  for (const r of x.sourceRecords) {
    const d = r.data;
    doc.text(
      `${r.source} ${r.externalId} (received ${r.receivedAt.slice(0, 10)}): ${d ? [...d.given, d.family].filter(Boolean).join(' ') : '—'}${d?.emails.length ? `, ${d.emails.join(', ')}` : ''}${d?.phones.length ? `, ${d.phones.join(', ')}` : ''}`,
    );
  }

  h1(`Profile history (${x.profileHistory.length})`);
  for (const h of x.profileHistory)
    doc.text(
      `${h.at.slice(0, 16).replace('T', ' ')} ${h.kind} by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`,
    );

  h1(`Clinical data held (${x.clinicalResources.length} FHIR resources)`);
  const counts = new Map<string, number>();
  for (const r of x.clinicalResources as Array<{ resourceType: string }>)
    counts.set(r.resourceType, (counts.get(r.resourceType) ?? 0) + 1);
  doc.font(MONO).fontSize(9);
  for (const [t, n] of [...counts].sort()) doc.text(`${t.padEnd(24)} ${n}`);
  doc.font('Helvetica').fontSize(9).text('The full resources are in the JSON export.');

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .fontSize(8)
      .fillColor('#555')
      .text(`${i + 1} / ${range.count}`, 48, doc.page.height - 32, { align: 'right' });
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}

function evidenceText(e: PersonExport['consentHistory'][number]['evidence']): string {
  switch (e.kind) {
    case 'fhir-consent':
      return `EHR ${e.reference}`;
    case 'form':
      return `form ${e.form}`;
    case 'reply':
      return `reply "${e.text}" from ${e.from}`;
    case 'staff':
      return `staff note: ${e.note}`;
    case 'double-opt-in':
      return `confirmed by link ${e.confirmedAt.slice(0, 16)}`;
    case 'import':
      return `list ${e.source}${e.row ? ` row ${e.row}` : ''}`;
    default: {
      const never: never = e;
      return String(never);
    }
  }
}
