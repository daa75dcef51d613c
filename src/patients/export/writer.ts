/** The few text styles of the readable export, over pdfkit: pdfkit wraps and paginates, this keeps headings with their text. */
import type PDFDocument from 'pdfkit';
import { pdfSafe, timeFormatter } from './text.ts';

type Doc = InstanceType<typeof PDFDocument>;

export interface Writer {
  readonly doc: Doc;
  /** A FHIR date or ISO instant in the person's time zone. */
  when(v: string | null | undefined): string;
  heading(title: string): void;
  subheading(title: string): void;
  /** "Label: value" (— when there is no value). */
  field(label: string, value: string | null | undefined): void;
  /** A paragraph, optionally opening with a bold lead. */
  item(text: string, lead?: string): void;
  /** An indented detail under the item before it. */
  detail(text: string): void;
  note(text: string): void;
}

const INDENT = 14;

export function createWriter(doc: Doc, timeZone: string): Writer {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  /** Starts a new page unless `lines` more lines of the current size fit: no heading alone at the foot of a page. */
  const keep = (lines: number) => {
    if (doc.y + lines * doc.currentLineHeight(true) > doc.page.height - doc.page.margins.bottom)
      doc.addPage();
  };
  const body = () => doc.font('Helvetica').fontSize(10).fillColor('black');
  return {
    doc,
    when: timeFormatter(timeZone),
    heading(title) {
      doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13);
      keep(4);
      doc.text(pdfSafe(title), left, undefined, { width, paragraphGap: 3 });
      body();
    },
    subheading(title) {
      doc.moveDown(0.4).font('Helvetica-Bold').fontSize(11);
      keep(4);
      doc.text(pdfSafe(title), left, undefined, { width, paragraphGap: 2 });
      body();
    },
    field(label, value) {
      body();
      keep(1);
      doc
        .font('Helvetica-Bold')
        .text(pdfSafe(`${label}: `), left, undefined, { width, continued: true })
        .font('Helvetica')
        .text(pdfSafe(value || '—'));
    },
    item(text, lead) {
      body();
      keep(2);
      if (lead)
        doc
          .font('Helvetica-Bold')
          .text(pdfSafe(lead), left, undefined, { width, continued: true })
          .font('Helvetica')
          .text(pdfSafe(text || ' '), { paragraphGap: 2 });
      else doc.text(pdfSafe(text), left, undefined, { width, paragraphGap: 2 });
    },
    detail(text) {
      doc.font('Helvetica').fontSize(9).fillColor('#333');
      doc.text(pdfSafe(text), left + INDENT, undefined, { width: width - INDENT, paragraphGap: 1 });
      body();
    },
    note(text) {
      doc.font('Helvetica').fontSize(9).fillColor('#555');
      doc.text(pdfSafe(text), left, undefined, { width, paragraphGap: 2 });
      body();
    },
  };
}
