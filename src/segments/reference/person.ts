import type { Node } from '../definition.ts';
import { ageOn, normaliseBirthDate } from '../windows.ts';
import { day, type Verdict } from './clinical.ts';
import type { PersonRecord } from './read.ts';

/**
 * Demographic conditions and the universe. Two-valued: a fact that is not
 * recorded makes the condition false, so NOT(age 40+) holds for someone
 * without a birth date.
 */
type Demographic = Extract<Node, { kind: 'age' | 'gender' | 'place' | 'language' | 'careUnit' | 'deceased' }>;

const lower = (s: string) => s.trim().toLocaleLowerCase('sv');

const plain = (pass: boolean, reason: string): Verdict => ({
  pass,
  reason: () => reason,
  evidence: () => [],
});

export function isDeceased(p: PersonRecord, asOf: number): boolean {
  return p.deceasedUndated || (p.deceasedAt !== null && p.deceasedAt <= asOf);
}

/** Alive at the as-of instant (unless the definition includes the dead) and born by its local date. */
export function inUniverse(p: PersonRecord, asOf: number, today: string, includeDeceased: boolean): Verdict {
  if (!includeDeceased && isDeceased(p, asOf))
    return plain(false, p.deceasedUndated ? 'deceased' : `died ${day(p.deceasedAt)}`);
  if (p.birthDate !== null && normaliseBirthDate(p.birthDate) > today)
    return plain(false, `born ${p.birthDate}`);
  return plain(true, 'alive and born at the as-of date');
}

export function demographic(
  n: Demographic,
  p: PersonRecord,
  asOf: number,
  today: string,
  careUnitRefs: (id: string) => readonly string[],
): Verdict {
  switch (n.kind) {
    case 'age': {
      if (p.birthDate === null) return plain(false, 'no birth date');
      const age = ageOn(p.birthDate, today);
      return plain(
        (n.min === undefined || age >= n.min) && (n.max === undefined || age <= n.max),
        `age ${age}`,
      );
    }
    case 'gender':
      return p.gender === null
        ? plain(false, 'no gender recorded')
        : plain(n.values.includes(p.gender as never), `gender ${p.gender}`);
    case 'place': {
      if (n.field === 'postalCode') {
        const code = p.postalCode;
        if (code === null) return plain(false, 'no postal code');
        return plain(
          n.values.some((v) => code.startsWith(v.replace(/\s+/g, ''))),
          `postal code ${code}`,
        );
      }
      const have = n.field === 'municipality' ? p.municipality : p.region;
      if (have === null) return plain(false, `no ${n.field}`);
      return plain(
        n.values.some((v) => lower(v) === have),
        `${n.field} ${have}`,
      );
    }
    case 'language': {
      if (p.language === null) return plain(false, 'no language recorded');
      const wanted = n.values.map((v) => v.toLowerCase().split('-')[0]);
      return plain(wanted.includes(p.language), `speaks ${p.language}`);
    }
    case 'careUnit': {
      const refs = new Set(n.units.flatMap((u) => careUnitRefs(u)));
      const hit = [p.orgRef, p.gpRef].find((r) => r !== null && refs.has(r));
      if (hit) return plain(true, `listed at ${hit}`);
      const at = [p.orgRef, p.gpRef].filter((r) => r !== null);
      return plain(false, at.length ? `listed at ${at.join(' and ')}` : 'no care unit recorded');
    }
    case 'deceased': {
      const dead = isDeceased(p, asOf);
      return plain(dead, dead ? (p.deceasedUndated ? 'deceased' : `died ${day(p.deceasedAt)}`) : 'alive');
    }
  }
}
