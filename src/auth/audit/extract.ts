import PDFDocument from 'pdfkit';
import type { Database } from '../../db/database.ts';
import type { AuditAction, AuditOutcome } from './entry.ts';
import { type AuditRecord, selectAudit } from './query.ts';
import { formatLocal, parseBound, TIME_ZONE } from './time.ts';

/**
 * A patient's access extract (PDL 8 kap. 6 §: the patient may ask who has
 * accessed their data): every record whose patient_ids holds the patient,
 * oldest first. Only what concerns this patient is shown: ids of other
 * patients and of their resources never appear, and free-text details
 * (which may quote a search) are left out.
 */
export interface ExtractRange {
  /** YYYY-MM-DD or ISO instant, as for the audit query. */
  from?: string;
  to?: string;
}

export async function patientAccessRecords(
  db: Database,
  patient: string,
  range: ExtractRange = {},
): Promise<AuditRecord[]> {
  const from = range.from ? parseBound(range.from, 'from') : undefined;
  const to = range.to ? parseBound(range.to, 'to') : undefined;
  const out: AuditRecord[] = [];
  let afterSeq: number | undefined;
  for (;;) {
    const page = await selectAudit(db, {
      patients: [patient],
      from,
      to,
      afterSeq,
      order: 'oldest',
      limit: 5000,
    });
    out.push(...page);
    if (page.length < 5000) return out;
    afterSeq = page[page.length - 1].seq;
  }
}

const ACTION_LABEL: Record<AuditAction, string> = {
  read: 'läsning / read',
  search: 'sökning / search',
  export: 'export / export',
  create: 'registrering / create',
  update: 'ändring / update',
  delete: 'radering / delete',
  'sign-in': 'inloggning / sign-in',
  'sign-in-failed': 'misslyckad inloggning / failed sign-in',
  'sign-out': 'utloggning / sign-out',
  'emergency-access': 'nödåtkomst / emergency access',
  administer: 'administration / administration',
};

const OUTCOME_LABEL: Record<AuditOutcome, string> = {
  success: 'genomförd / done',
  denied: 'nekad / denied',
  error: 'fel / error',
};

const MAX_IDS = 10;

/** The resources of a record, as far as they are this patient's. */
export function resourcesFor(r: AuditRecord, patient: string): string {
  const type = r.resourceType;
  if (!type) return '';
  if (type === 'Patient') return `Patient/${patient}`;
  const onlyThisPatient = r.patientIds.length === 1 && r.patientIds[0] === patient;
  if (!onlyThisPatient || r.resourceIds.length === 0)
    return r.resourceIds.length > 1 ? `${type} (${r.resourceIds.length})` : type;
  const shown = r.resourceIds.slice(0, MAX_IDS).map((id) => `${type}/${id}`);
  const more = r.resourceIds.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (+${more})` : '');
}

interface ExtractRow {
  local: string;
  iso: string;
  who: string;
  role: string;
  careUnits: string;
  action: string;
  outcome: string;
  resources: string;
  purpose: string;
  emergency: string;
  ip: string;
}

function extractRow(r: AuditRecord, patient: string): ExtractRow {
  return {
    local: formatLocal(new Date(r.at)),
    iso: r.at,
    who: r.actorName,
    role: r.role,
    careUnits: r.careUnits.join('; '),
    action: ACTION_LABEL[r.action] ?? r.action,
    outcome: OUTCOME_LABEL[r.outcome] ?? r.outcome,
    resources: resourcesFor(r, patient),
    purpose: r.purpose ?? '',
    emergency: r.emergency ? 'ja / yes' : 'nej / no',
    ip: r.ip ?? '',
  };
}

const CSV_COLUMNS: [keyof ExtractRow, string][] = [
  ['local', `Tid / Time (${TIME_ZONE})`],
  ['iso', 'Tid / Time (ISO 8601 UTC)'],
  ['who', 'Vem / Who'],
  ['role', 'Roll / Role'],
  ['careUnits', 'Vårdenheter / Care units'],
  ['action', 'Åtgärd / Action'],
  ['outcome', 'Utfall / Outcome'],
  ['resources', 'Uppgifter / Resources'],
  ['purpose', 'Ändamål / Purpose'],
  ['emergency', 'Nödåtkomst / Emergency access'],
  ['ip', 'IP-adress / IP address'],
];

/**
 * One RFC 4180 field. A value that a spreadsheet would run as a formula
 * (=, +, -, @ first) gets a leading apostrophe: the extract is opened in Excel
 * and names and purposes are typed by people.
 */
function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** UTF-8 with a byte-order mark (so Excel reads å, ä, ö), CRLF line ends, a header row. */
export function extractCsv(patient: string, records: readonly AuditRecord[]): string {
  const lines = [CSV_COLUMNS.map(([, h]) => csvField(h)).join(',')];
  for (const r of records) {
    const row = extractRow(r, patient);
    lines.push(CSV_COLUMNS.map(([k]) => csvField(row[k])).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export interface PdfOptions {
  range?: ExtractRange;
  generatedAt: Date;
  /** Deflate the page streams (default true); tests turn it off to read the text. */
  compress?: boolean;
}

const PDF_COLUMNS: { key: keyof ExtractRow; title: string; width: number }[] = [
  { key: 'local', title: 'Tid / Time', width: 84 },
  { key: 'who', title: 'Vem / Who', width: 118 },
  { key: 'role', title: 'Roll / Role', width: 62 },
  { key: 'careUnits', title: 'Vårdenhet / Care unit', width: 84 },
  { key: 'action', title: 'Åtgärd / Action', width: 84 },
  { key: 'resources', title: 'Uppgifter / Resources', width: 122 },
  { key: 'purpose', title: 'Ändamål / Purpose', width: 108 },
  { key: 'emergency', title: 'Nödåtkomst / Emergency', width: 52 },
  { key: 'ip', title: 'IP', width: 47 },
];
const PAD = 3;

/** The extract as an A4 landscape PDF; pdfkit's built-in Helvetica covers å, ä, ö (WinAnsi). */
export function extractPdf(
  patient: string,
  records: readonly AuditRecord[],
  opts: PdfOptions,
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margins: { top: 40, bottom: 40, left: 40, right: 40 },
    bufferPages: true,
    compress: opts.compress ?? true,
    info: {
      Title: `Loggutdrag / Access log extract – Patient/${patient}`,
      Producer: 'Patient Outreach',
      Creator: 'Patient Outreach',
      CreationDate: opts.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const bottom = () => doc.page.height - doc.page.margins.bottom - 14;
  const from = opts.range?.from ?? 'loggens början / start of the log';
  const to = opts.range?.to ?? formatLocal(opts.generatedAt);

  doc.font('Helvetica-Bold').fontSize(16).text('Loggutdrag / Access log extract');
  doc.moveDown(0.3);
  doc.font('Helvetica').fontSize(10);
  doc.text(`Patient: ${patient}`);
  doc.text(`Period: ${from} – ${to}`);
  doc.text(`Skapat / Generated: ${formatLocal(opts.generatedAt)} (${TIME_ZONE})`);
  doc.text(`Antal poster / Records: ${records.length}`);
  doc.moveDown(0.8);

  const drawRow = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7.5);
    const heights = cells.map((c, i) => doc.heightOfString(c, { width: PDF_COLUMNS[i].width - 2 * PAD }));
    const h = Math.max(...heights) + 2 * PAD;
    if (doc.y + h > bottom()) {
      doc.addPage();
      drawHeader();
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7.5);
    }
    const y = doc.y;
    let x = left;
    cells.forEach((c, i) => {
      doc.text(c, x + PAD, y + PAD, { width: PDF_COLUMNS[i].width - 2 * PAD, lineBreak: true });
      x += PDF_COLUMNS[i].width;
    });
    doc
      .moveTo(left, y + h)
      .lineTo(x, y + h)
      .lineWidth(bold ? 0.8 : 0.3)
      .strokeColor('#888888')
      .stroke();
    doc.x = left;
    doc.y = y + h;
  };
  const drawHeader = () =>
    drawRow(
      PDF_COLUMNS.map((c) => c.title),
      true,
    );

  drawHeader();
  if (records.length === 0) {
    doc.moveDown(0.5);
    doc
      .font('Helvetica')
      .fontSize(9)
      .text('Inga åtkomster registrerade under perioden. / No access was recorded in this period.', left);
  }
  for (const r of records) {
    const row = extractRow(r, patient);
    if (r.outcome !== 'success') row.action = `${row.action} (${OUTCOME_LABEL[r.outcome]})`;
    drawRow(
      PDF_COLUMNS.map((c) => row[c.key]),
      false,
    );
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin; without this pdfkit would start a new page for it.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#444444')
      .text(
        `Sida / Page ${i + 1 - range.start} / ${range.count}  ·  Patient ${patient}`,
        left,
        doc.page.height - margin + 12,
        { width: doc.page.width - left - doc.page.margins.right, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}

/** The download's file name: audit-extract-<patient>-<YYYY-MM-DD>.<ext>. */
export function extractFileName(patient: string, generatedAt: Date, format: 'csv' | 'pdf'): string {
  const safe = patient.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64);
  return `audit-extract-${safe}-${formatLocal(generatedAt).slice(0, 10)}.${format}`;
}
