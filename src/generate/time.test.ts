import { describe, expect, it } from 'vitest';
import { date, dateTime } from './time.ts';

describe('time formatting', () => {
  it('matches Date#toISOString across centuries, leap days and second boundaries', () => {
    const samples = [
      0, -1, 951_782_400_000, 951_868_799_999, 4_102_444_800_000, -2_208_988_800_001, 1_793_491_200_000,
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(-3e12 + i * 3.3e9 + (i % 7) * 12_345_678));
    for (const ms of samples) {
      const iso = new Date(ms).toISOString();
      expect(dateTime(ms)).toBe(iso.slice(0, 19) + 'Z');
      expect(date(ms)).toBe(iso.slice(0, 10));
    }
  });
});
