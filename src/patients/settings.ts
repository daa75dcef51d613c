import type { Queryable } from '../db/client.ts';
import { DEFAULT_POLICY, validatePolicy } from './consent/policy.ts';
import { DEFAULT_RULES, type MatchRule, validateRules } from './match/rules.ts';
import type { ConsentPolicy } from './model.ts';

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
