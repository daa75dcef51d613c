/** Text helpers for the readable export: what the PDF font can show, times, any JSON value in words. */

/** WinAnsi characters above Latin-1's range that the standard PDF fonts (Helvetica) have. */
const WIN_ANSI_EXTRA = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019,
  0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);
const SUBSTITUTES: Record<string, string> = {
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ı: 'i',
  ħ: 'h',
  '≤': '<=',
  '≥': '>=',
  '→': '->',
  '←': '<-',
  '−': '-',
  '\u2010': '-',
  '\u2011': '-',
};

const shown = (c: number): boolean =>
  (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(c);

/**
 * Text the PDF's standard fonts (WinAnsi: å, ä, ö, é, ü, …) can show. Other
 * letters lose their accents (ş → s) or are spelled out; what is left becomes
 * "?". The JSON export keeps every character as held.
 */
export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const c = ch.codePointAt(0)!;
    if (shown(c) || ch === '\n') out += ch;
    else if (ch === '\t' || ch === '\r') out += ' ';
    else if (SUBSTITUTES[ch] !== undefined) out += SUBSTITUTES[ch];
    else {
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
      out += base !== '' && [...base].every((b) => shown(b.codePointAt(0)!)) ? base : '?';
    }
  }
  return out;
}

/**
 * Formats FHIR dates and ISO instants in the person's time zone ("2026-07-01 14:00");
 * dates without a time stay as written.
 */
export function timeFormatter(timeZone: string): (v: string | null | undefined) => string {
  let fmt: Intl.DateTimeFormat;
  const opts: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  };
  try {
    fmt = new Intl.DateTimeFormat('sv-SE', { ...opts, timeZone });
  } catch {
    fmt = new Intl.DateTimeFormat('sv-SE', { ...opts, timeZone: 'Europe/Stockholm' });
  }
  return (v) => {
    if (!v) return '—';
    if (!/T\d{2}:\d{2}/.test(v)) return v;
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : fmt.format(t);
  };
}

/** "birthDate" → "birth date". */
export const humanize = (key: string): string => key.replace(/(?<=[a-z0-9])(?=[A-Z])/g, ' ').toLowerCase();

/** Any JSON value in words, for parts of the export without a fixed shape (history details). */
export function plain(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return v.length ? v.map(plain).join(', ') : 'none';
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '—';
  return entries
    .map(
      ([k, x]) =>
        `${humanize(k)}: ${x && typeof x === 'object' && !Array.isArray(x) ? `(${plain(x)})` : plain(x)}`,
    )
    .join('; ');
}
