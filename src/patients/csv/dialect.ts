export const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * Picks the delimiter that occurs most often, outside quotes, in the header line:
 * Swedish Excel writes semicolons (the comma is the decimal sign), other tools
 * commas or tabs. On a tie (a one-column file has none) the order of DELIMITERS
 * decides, so comma is the default.
 */
export function sniffDelimiter(text: string): Delimiter {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (c === '"') {
      quoted = true;
    } else if (c === '\n' || c === '\r') {
      // Blank lines before the header do not end the search.
      if (started) break;
      continue;
    } else {
      const n = counts.get(c);
      if (n !== undefined) counts.set(c, n + 1);
    }
    started = true;
  }
  let best: Delimiter = DELIMITERS[0];
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}
