import { createHash } from 'node:crypto';

/**
 * Name-based UUID in the style of RFC 9562 version 5 (SHA-1 of seed and name), so a
 * resource keeps its id across runs with the same seed and re-imports are idempotent.
 */
export function deterministicUuid(seed: string, name: string): string {
  const h = createHash('sha1').update(`${seed}\u0000${name}`).digest('hex');
  const variant = ((Number.parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
