export type CsvEncoding = 'utf-8' | 'windows-1252';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

/**
 * Contact lists come from spreadsheets: UTF-8 (often with a BOM) or, from Excel on
 * Swedish Windows, Windows-1252. Bytes that are not valid UTF-8 are taken as
 * Windows-1252: every byte sequence decodes in it, and å, ä, ö as Latin-1 bytes
 * are never valid UTF-8, so a real Windows-1252 file is not mistaken for UTF-8.
 */
export function decodeCsvBytes(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  try {
    // The decoder drops a leading BOM itself (ignoreBOM defaults to false).
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    // A UTF-8 BOM on a file with Windows-1252 text pasted in would otherwise become "ï»¿" in the first header.
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    return { text: cp1252.decode(bom ? bytes.subarray(3) : bytes), encoding: 'windows-1252' };
  }
}
