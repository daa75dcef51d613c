import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { type CsvEncoding, decodeCsvBytes } from './decode.ts';
import { type Delimiter, sniffDelimiter } from './dialect.ts';
import { type ColumnMapping, type FieldName, mapColumns } from './fields.ts';
import { type ContactRow, createRowReader, type RowError } from './record.ts';

export type { ContactRow, RowError } from './record.ts';

export interface ContactCsvOptions {
  /** Source name the records carry ("crm-2026"). */
  source: string;
  /** From `--map column=field`. */
  overrides?: Record<string, string>;
  /** Century of 10-digit personnummer, the latest allowed birth date, and every record's updatedAt. */
  at: Date;
  /** Rows beyond this many are not read; an error says so. */
  maxRows?: number;
}

export interface ContactCsvResult {
  encoding: CsvEncoding;
  delimiter: Delimiter;
  mapping: ColumnMapping[];
  unmapped: string[];
  /** Accepted rows, in file order. */
  rows: ContactRow[];
  /** One per bad cell, so a row can have several; header problems have the header's row. */
  errors: RowError[];
  /** Rows with at least one error: none of their data is imported. */
  rejected: number;
  /** Non-empty data rows in the file. */
  total: number;
}

/** A field that can identify a person; a file without one can import nobody. */
const IDENTITY_FIELDS: ReadonlySet<FieldName> = new Set([
  'personnummer',
  'givenName',
  'familyName',
  'fullName',
  'identifier',
]);

const blank = (cells: string[]) => cells.every((c) => c.trim() === '');

/** Shown as "row 12, column E-post: …" in the CLI and the web preview. */
export function formatRowError(e: RowError): string {
  return `row ${e.row}: ${e.error}`;
}

/**
 * Reads a contact list (bytes in, records and errors out). Row numbers are the ones a
 * spreadsheet shows: the header is row 1, blank rows count but are skipped, and a cell
 * with a line break does not add a row. Each row is accepted whole or rejected whole.
 */
export function readContactCsv(bytes: Uint8Array, opts: ContactCsvOptions): ContactCsvResult {
  const { text, encoding } = decodeCsvBytes(bytes);
  const delimiter = sniffDelimiter(text);
  const result: ContactCsvResult = {
    encoding,
    delimiter,
    mapping: [],
    unmapped: [],
    rows: [],
    errors: [],
    rejected: 0,
    total: 0,
  };

  const records: string[][] = [];
  const rowNumbers: number[] = [];
  try {
    parse(text, {
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // A quote inside an unquoted cell (12" screen) is text, as in Excel.
      relax_quotes: true,
      // Blank lines are kept so that record numbers stay spreadsheet row numbers.
      skip_empty_lines: false,
      on_record: (record: string[], context) => {
        records.push(record);
        rowNumbers.push(context.records);
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const row = records.length + 1;
    result.errors.push({
      row,
      error:
        error.code === 'CSV_QUOTE_NOT_CLOSED'
          ? `a quoted cell starting in row ${row} or just after is never closed; remove the stray " or close the quote`
          : `the file cannot be read as CSV from row ${row} on (${error.message}); save it again as CSV`,
    });
    return result;
  }

  const headerAt = records.findIndex((cells) => !blank(cells));
  if (headerAt < 0) {
    result.errors.push({ row: 1, error: 'the file has no header row; the first row must name the columns' });
    return result;
  }
  const headers = records[headerAt];
  const headerRow = rowNumbers[headerAt];
  const { mapping, unmapped, errors } = mapColumns(headers, opts.overrides ?? {});
  result.mapping = mapping;
  result.unmapped = unmapped;
  for (const error of errors) result.errors.push({ row: headerRow, error });
  if (!mapping.some((m) => IDENTITY_FIELDS.has(m.field))) {
    result.errors.push({
      row: headerRow,
      error: `no column holds a name, personnummer or identifier (columns: ${headers.join(', ')}); rename one or use --map <column>=givenName`,
    });
  }
  if (result.errors.length > 0) return result;

  const read = createRowReader(mapping, headers.length, { source: opts.source, at: opts.at });
  const idColumn = mapping.find((m) => m.field === 'externalId');
  const firstRowOf = new Map<string, number>();
  const max = opts.maxRows ?? Number.POSITIVE_INFINITY;
  let firstBeyond = 0;
  for (let i = headerAt + 1; i < records.length; i++) {
    if (blank(records[i])) continue;
    result.total++;
    const row = rowNumbers[i];
    if (result.total > max) {
      if (firstBeyond === 0) firstBeyond = row;
      continue;
    }
    const outcome = read(records[i], row);
    if (!outcome.ok) {
      result.errors.push(...outcome.errors);
      result.rejected++;
      continue;
    }
    const id = outcome.row.record.externalId;
    const first = firstRowOf.get(id);
    if (first !== undefined) {
      result.errors.push({
        row,
        field: 'externalId',
        ...(idColumn ? { column: idColumn.column, value: id } : {}),
        error: idColumn
          ? `${idColumn.column} (externalId): "${id}" is already used by row ${first}; give each row its own id or remove the duplicate`
          : `the row repeats row ${first} (same name, identifiers and contact details); remove one of them`,
      });
      result.rejected++;
      continue;
    }
    firstRowOf.set(id, row);
    result.rows.push(outcome.row);
  }
  if (result.total > max) {
    result.errors.push({
      row: firstBeyond,
      error: `the file has ${result.total} rows, more than the ${max} allowed; rows from ${firstBeyond} on were not read, split the file`,
    });
  }
  return result;
}

export interface ContactCsvPreview extends Omit<ContactCsvResult, 'rows' | 'errors'> {
  /** The first PREVIEW_ROWS accepted rows. */
  rows: ContactRow[];
  /** The first PREVIEW_ROWS errors. */
  errors: RowError[];
  errorCount: number;
}

export const PREVIEW_ROWS = 20;

/** What the web preview shows before an import: the same reading, the whole file checked, a little shown. */
export function previewContactCsv(bytes: Uint8Array, opts: ContactCsvOptions): ContactCsvPreview {
  const full = readContactCsv(bytes, opts);
  return {
    ...full,
    rows: full.rows.slice(0, PREVIEW_ROWS),
    errors: full.errors.slice(0, PREVIEW_ROWS),
    errorCount: full.errors.length,
  };
}
