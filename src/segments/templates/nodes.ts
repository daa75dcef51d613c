import type { ClinicalType, Node, Window } from '../definition.ts';
import { filters, type ValueSet } from './value-sets.ts';

/** Rule builders the templates share, so the same idea is written the same way everywhere. */

/** A diagnosis that still holds: clinical status active, recurrence or relapse (not remission, not resolved). */
export const ACTIVE_CONDITION = ['active', 'recurrence', 'relapse'];
/** Results that stand: not registered, cancelled or entered in error. */
export const FINAL_OBSERVATION = ['final', 'amended', 'corrected'];

export const lastMonths = (amount: number): Window => ({ kind: 'last', amount, unit: 'months' });
export const lastYears = (amount: number): Window => ({ kind: 'last', amount, unit: 'years' });

export function hasCondition(label: string, ...sets: ValueSet[]): Node {
  return {
    kind: 'clinical',
    label,
    resource: 'Condition',
    codes: filters(...sets),
    status: ACTIVE_CONDITION,
  };
}

/** At least one resource of this type, with these codes and statuses, in the window. */
export function had(
  label: string,
  resource: ClinicalType,
  sets: ValueSet[],
  window: Window,
  status?: string[],
): Node {
  return {
    kind: 'clinical',
    label,
    resource,
    codes: filters(...sets),
    ...(status ? { status } : {}),
    window,
  };
}

export function none(label: string, ...children: Node[]): Node {
  return { kind: 'not', label, child: children.length === 1 ? children[0] : { kind: 'or', children } };
}
