import { useId } from 'react';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { CodePicker } from './CodePicker.tsx';
import type { FieldsProps } from './DemographicFields.tsx';
import { COMPARATOR_SIGN, HAS_END, STATUSES, statusText } from './rules.ts';
import { WindowField } from './WindowField.tsx';

type Count = FieldsProps<'clinical'>['node']['count'];
type Often = 'once' | 'atLeast' | 'atMost' | 'between' | 'never';

const OFTEN: Record<Often, MessageKey> = {
  once: 'seg.count.once',
  atLeast: 'seg.count.atLeast',
  atMost: 'seg.count.atMost',
  between: 'seg.count.between',
  never: 'seg.count.never',
};

function oftenOf(c: Count): Often {
  if (!c || (c.min === undefined && c.max === undefined) || (c.min === 1 && c.max === undefined))
    return 'once';
  if (c.max === 0) return 'never';
  if (c.min !== undefined && c.max !== undefined) return 'between';
  return c.min !== undefined ? 'atLeast' : 'atMost';
}

function countFor(often: Often, c: Count): Count {
  switch (often) {
    case 'once':
      return undefined;
    case 'never':
      return { max: 0 };
    case 'atLeast':
      return { min: c?.min && c.min > 1 ? c.min : 2 };
    case 'atMost':
      return { max: c?.max || 1 };
    case 'between':
      return { min: c?.min ?? 1, max: c?.max || 3 };
  }
}

const int = (v: string) => (v === '' ? Number.NaN : Math.trunc(Number(v)));

/** How often: at least once (the default), at least / at most N times, between, or never. */
function CountField({ count, onChange }: { count: Count; onChange(c: Count): void }) {
  const { t } = useI18n();
  const id = useId();
  const often = oftenOf(count);
  return (
    <div className="field-row">
      <div className="field">
        <label htmlFor={`${id}-often`}>{t('seg.count.title')}</label>
        <select
          id={`${id}-often`}
          value={often}
          onChange={(e) => onChange(countFor(e.target.value as Often, count))}
        >
          {(Object.keys(OFTEN) as Often[]).map((o) => (
            <option key={o} value={o}>
              {t(OFTEN[o])}
            </option>
          ))}
        </select>
      </div>
      {(often === 'atLeast' || often === 'between') && (
        <div className="field narrow">
          <label htmlFor={`${id}-min`}>{t('seg.count.min')}</label>
          <input
            id={`${id}-min`}
            type="number"
            min={0}
            value={Number.isNaN(count?.min) ? '' : (count?.min ?? '')}
            onChange={(e) => onChange({ ...count, min: int(e.target.value) })}
          />
        </div>
      )}
      {(often === 'atMost' || often === 'between') && (
        <div className="field narrow">
          <label htmlFor={`${id}-max`}>{t('seg.count.max')}</label>
          <input
            id={`${id}-max`}
            type="number"
            min={0}
            value={Number.isNaN(count?.max) ? '' : (count?.max ?? '')}
            onChange={(e) => onChange({ ...count, max: int(e.target.value) })}
          />
        </div>
      )}
    </div>
  );
}

export function ClinicalFields({ node, onChange }: FieldsProps<'clinical'>) {
  const { t } = useI18n();
  const id = useId();
  const status = node.status ?? [];
  const toggle = (s: string, on: boolean) => {
    const next = on ? [...status, s] : status.filter((x) => x !== s);
    onChange({ ...node, status: next.length ? next : undefined });
  };
  return (
    <>
      <CodePicker
        resource={node.resource}
        filters={node.codes ?? []}
        onChange={(codes) => onChange({ ...node, codes: codes.length ? codes : undefined })}
      />
      <fieldset className="inline">
        <legend>{t(node.resource === 'Condition' ? 'seg.status.clinical' : 'seg.status.title')}</legend>
        {STATUSES[node.resource].map((s) => (
          <label key={s} className="checkbox">
            <input
              type="checkbox"
              checked={status.includes(s)}
              onChange={(e) => toggle(s, e.target.checked)}
            />
            {statusText(s, t)}
          </label>
        ))}
        <p className="hint block">{t('seg.status.hint')}</p>
      </fieldset>
      <WindowField
        window={node.window}
        allowNext={node.resource === 'Appointment'}
        onChange={(window) => onChange({ ...node, window })}
      />
      {node.window && HAS_END.has(node.resource) && (
        <div className="field narrow-select">
          <label htmlFor={`${id}-timeof`}>{t('seg.timeOf.title')}</label>
          <select
            id={`${id}-timeof`}
            value={node.timeOf ?? 'start'}
            onChange={(e) => onChange({ ...node, timeOf: e.target.value === 'end' ? 'end' : undefined })}
          >
            <option value="start">{t('seg.timeOf.start')}</option>
            <option value="end">{t('seg.timeOf.end')}</option>
          </select>
        </div>
      )}
      <CountField count={node.count} onChange={(count) => onChange({ ...node, count })} />
    </>
  );
}

const AGGREGATES = ['latest', 'any', 'min', 'max', 'avg'] as const;
const COMPARATORS = ['gt', 'ge', 'lt', 'le', 'eq'] as const;
const UNITS = ['mmol/mol', '%', 'mmol/L', 'mg/dL', 'mm[Hg]', 'kg/m2', 'kg', 'mL/min/{1.73_m2}', 'µmol/L'];

export function ObservationFields({ node, onChange }: FieldsProps<'observation'>) {
  const { t } = useI18n();
  const id = useId();
  return (
    <>
      <CodePicker
        resource="Observation"
        filters={node.codes}
        required
        onChange={(codes) => onChange({ ...node, codes })}
      />
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-agg`}>{t('seg.observation.aggregate')}</label>
          <select
            id={`${id}-agg`}
            value={node.aggregate}
            onChange={(e) => onChange({ ...node, aggregate: e.target.value as (typeof AGGREGATES)[number] })}
          >
            {AGGREGATES.map((a) => (
              <option key={a} value={a}>
                {t(`seg.aggregate.${a}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field narrow">
          <label htmlFor={`${id}-cmp`}>{t('seg.observation.comparator')}</label>
          <select
            id={`${id}-cmp`}
            value={node.comparator}
            onChange={(e) =>
              onChange({ ...node, comparator: e.target.value as (typeof COMPARATORS)[number] })
            }
          >
            {COMPARATORS.map((c) => (
              <option key={c} value={c}>
                {`${COMPARATOR_SIGN[c]} ${t(`seg.comparator.${c}`)}`}
              </option>
            ))}
          </select>
        </div>
        <div className="field narrow">
          <label htmlFor={`${id}-value`}>{t('seg.observation.value')}</label>
          <input
            id={`${id}-value`}
            type="number"
            step="any"
            value={Number.isNaN(node.value) ? '' : node.value}
            onChange={(e) =>
              onChange({ ...node, value: e.target.value === '' ? Number.NaN : Number(e.target.value) })
            }
          />
        </div>
        <div className="field narrow">
          <label htmlFor={`${id}-unit`}>{t('seg.observation.unit')}</label>
          <input
            id={`${id}-unit`}
            list={`${id}-units`}
            autoComplete="off"
            value={node.unit}
            onChange={(e) => onChange({ ...node, unit: e.target.value })}
          />
          <datalist id={`${id}-units`}>
            {UNITS.map((u) => (
              <option key={u} value={u} />
            ))}
          </datalist>
        </div>
      </div>
      <WindowField window={node.window} onChange={(window) => onChange({ ...node, window })} />
    </>
  );
}
