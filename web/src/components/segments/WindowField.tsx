import { useId } from 'react';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import type { SegmentWindow } from '../../types.ts';

type Choice = 'any' | SegmentWindow['kind'];

const CHOICES: Record<Choice, MessageKey> = {
  any: 'seg.window.any',
  last: 'seg.window.last',
  next: 'seg.window.next',
  between: 'seg.window.between',
  since: 'seg.window.since',
  season: 'seg.window.season',
};

const UNITS = ['hours', 'days', 'months', 'years'] as const;
const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);

const today = () => new Date().toISOString().slice(0, 10);

function start(kind: Choice, previous: SegmentWindow | undefined): SegmentWindow | undefined {
  switch (kind) {
    case 'any':
      return undefined;
    case 'last':
    case 'next': {
      const amount = previous && 'amount' in previous ? previous.amount : 12;
      const unit = previous && 'unit' in previous ? previous.unit : 'months';
      return { kind, amount, unit };
    }
    case 'between':
      return { kind, from: `${new Date().getUTCFullYear() - 1}-01-01`, to: today() };
    case 'since':
      return { kind, date: `${new Date().getUTCFullYear()}-01-01` };
    case 'season':
      return { kind, month: 10, day: 1 };
  }
}

const int = (v: string) => (v === '' ? Number.NaN : Math.trunc(Number(v)));

/** A time window: any time, last / next N units, between dates, since a date, since a season's start. */
export function WindowField({
  window: w,
  onChange,
  allowNext = false,
}: {
  window: SegmentWindow | undefined;
  onChange(w: SegmentWindow | undefined): void;
  allowNext?: boolean;
}) {
  const { t, lang } = useI18n();
  const id = useId();
  const monthName = new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    month: 'long',
    timeZone: 'UTC',
  });
  const choices = (Object.keys(CHOICES) as Choice[]).filter(
    (c) => c !== 'next' || allowNext || w?.kind === 'next',
  );
  return (
    <div className="field-row window-field">
      <div className="field">
        <label htmlFor={`${id}-kind`}>{t('seg.window.title')}</label>
        <select
          id={`${id}-kind`}
          value={w?.kind ?? 'any'}
          onChange={(e) => onChange(start(e.target.value as Choice, w))}
        >
          {choices.map((c) => (
            <option key={c} value={c}>
              {t(CHOICES[c])}
            </option>
          ))}
        </select>
      </div>
      {(w?.kind === 'last' || w?.kind === 'next') && (
        <>
          <div className="field narrow">
            <label htmlFor={`${id}-amount`}>{t('seg.window.amount')}</label>
            <input
              id={`${id}-amount`}
              type="number"
              min={1}
              max={1200}
              value={Number.isNaN(w.amount) ? '' : w.amount}
              onChange={(e) => onChange({ ...w, amount: int(e.target.value) })}
            />
          </div>
          <div className="field narrow">
            <label htmlFor={`${id}-unit`}>{t('seg.window.unit')}</label>
            <select
              id={`${id}-unit`}
              value={w.unit}
              onChange={(e) => onChange({ ...w, unit: e.target.value as (typeof UNITS)[number] })}
            >
              {UNITS.map((u) => (
                <option key={u} value={u}>
                  {t(`seg.unit.${u}`)}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
      {w?.kind === 'between' && (
        <>
          <div className="field narrow">
            <label htmlFor={`${id}-from`}>{t('seg.window.from')}</label>
            <input
              id={`${id}-from`}
              type="date"
              value={w.from}
              onChange={(e) => onChange({ ...w, from: e.target.value })}
            />
          </div>
          <div className="field narrow">
            <label htmlFor={`${id}-to`}>{t('seg.window.to')}</label>
            <input
              id={`${id}-to`}
              type="date"
              value={w.to}
              onChange={(e) => onChange({ ...w, to: e.target.value })}
            />
          </div>
        </>
      )}
      {w?.kind === 'since' && (
        <div className="field narrow">
          <label htmlFor={`${id}-date`}>{t('seg.window.date')}</label>
          <input
            id={`${id}-date`}
            type="date"
            value={w.date}
            onChange={(e) => onChange({ ...w, date: e.target.value })}
          />
        </div>
      )}
      {w?.kind === 'season' && (
        <>
          <div className="field narrow">
            <label htmlFor={`${id}-day`}>{t('seg.window.day')}</label>
            <input
              id={`${id}-day`}
              type="number"
              min={1}
              max={31}
              value={Number.isNaN(w.day) ? '' : w.day}
              onChange={(e) => onChange({ ...w, day: int(e.target.value) })}
            />
          </div>
          <div className="field narrow">
            <label htmlFor={`${id}-month`}>{t('seg.window.month')}</label>
            <select
              id={`${id}-month`}
              value={w.month}
              onChange={(e) => onChange({ ...w, month: Number(e.target.value) })}
            >
              {MONTHS.map((m) => (
                <option key={m} value={m}>
                  {monthName.format(Date.UTC(2001, m - 1, 1))}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
    </div>
  );
}
