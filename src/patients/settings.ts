import type { Queryable } from '../db/client.ts';
import { DEFAULT_POLICY, validatePolicy } from './consent/policy.ts';
import { DEFAULT_RULES, type MatchRule, validateRules } from './match/rules.ts';
import { CHANNELS, type ConsentPolicy, PURPOSES } from './model.ts';

/**
 * Settings an administrator changes at run time, stored as JSON and validated
 * on the way in and out (a stored value from an older version that no longer
 * validates fails loudly instead of matching with half a rule set).
 */
async function read(db: Queryable, key: string): Promise<unknown> {
  const [row] = await db.query<{ value: unknown }>('SELECT value FROM patient_setting WHERE key = $1', [key]);
  return row?.value;
}

async function write(db: Queryable, key: string, value: unknown, actor: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO patient_setting (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3, $4)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [key, JSON.stringify(value), now, actor],
  );
}

export async function matchRules(db: Queryable): Promise<MatchRule[]> {
  const v = await read(db, 'match-rules');
  return v === undefined ? [...DEFAULT_RULES] : validateRules(v);
}

export async function setMatchRules(
  db: Queryable,
  input: unknown,
  actor: string,
  now: Date,
): Promise<MatchRule[]> {
  const rules = validateRules(input);
  await write(db, 'match-rules', rules, actor, now);
  return rules;
}

export async function consentPolicy(db: Queryable): Promise<ConsentPolicy> {
  const v = await read(db, 'consent-policy');
  return v === undefined ? DEFAULT_POLICY : validatePolicy(v);
}

export async function setConsentPolicy(
  db: Queryable,
  input: unknown,
  actor: string,
  now: Date,
): Promise<ConsentPolicy> {
  const policy = validatePolicy(input);
  await write(db, 'consent-policy', policy, actor, now);
  return policy;
}

const ruleText = (r: MatchRule) => `${r.id} (${r.kind} ≥ ${r.threshold}${r.enabled ? '' : ', disabled'})`;

/** What an administrator changed in the match rules, for the audit log: the list before → after, or "unchanged". */
export function describeRulesChange(
  before: readonly MatchRule[] | null,
  after: readonly MatchRule[],
): string {
  const was = before === null ? 'unreadable' : before.map(ruleText).join(', ');
  const now = after.map(ruleText).join(', ');
  return was === now ? `match rules unchanged: ${now}` : `match rules: ${was} → ${now}`;
}

/** What an administrator changed in the consent policy, for the audit log: each cell and topic that differs. */
export function describePolicyChange(before: ConsentPolicy | null, after: ConsentPolicy): string {
  if (before === null) return 'consent policy replaced (the stored one was unreadable)';
  const changes: string[] = [];
  for (const purpose of PURPOSES)
    for (const channel of CHANNELS) {
      const a = before.enforcement[purpose][channel];
      const b = after.enforcement[purpose][channel];
      if (a !== b) changes.push(`${purpose}/${channel} ${a} → ${b}`);
    }
  const topic = (t: ConsentPolicy['topics'][number]) => `${t.id} (${t.purpose})`;
  const was = new Set(before.topics.map(topic));
  const now = new Set(after.topics.map(topic));
  for (const t of now) if (!was.has(t)) changes.push(`topic added: ${t}`);
  for (const t of was) if (!now.has(t)) changes.push(`topic removed: ${t}`);
  const labels = (p: ConsentPolicy) => JSON.stringify(p.topics.map((t) => [t.id, t.label]));
  if (changes.length === 0 && labels(before) !== labels(after)) changes.push('topic labels');
  return changes.length === 0 ? 'consent policy unchanged' : `consent policy: ${changes.join('; ')}`;
}
