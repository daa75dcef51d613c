// Test helpers for contact-list reading.

/**
 * Windows-1252 bytes for text in Latin-1 (all Swedish letters) plus '€'. TextEncoder
 * only writes UTF-8, and building the bytes without TextDecoder keeps the tests
 * independent of the decoder they test.
 */
export function encodeWindows1252(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    if (ch === '€') return 0x80;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
    throw new Error(`no Windows-1252 byte for ${ch}`);
  });
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
