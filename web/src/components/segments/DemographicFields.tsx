import { useId, useState } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import type { SegmentCondition } from '../../types.ts';
import { useBuilderData } from './BuilderData.tsx';

type Of<K extends SegmentCondition['kind']> = Extract<SegmentCondition, { kind: K }>;
export interface FieldsProps<K extends SegmentCondition['kind']> {
  node: Of<K>;
  onChange(node: Of<K>): void;
}

const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
const PLACE_FIELDS = ['postalCode', 'municipality', 'region'] as const;

const optionalInt = (v: string) => (v === '' ? undefined : Math.trunc(Number(v)));

export function AgeFields({ node, onChange }: FieldsProps<'age'>) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field-row">
      <div className="field narrow">
        <label htmlFor={`${id}-min`}>{t('seg.age.min')}</label>
        <input
          id={`${id}-min`}
          type="number"
          min={0}
          max={130}
          value={node.min ?? ''}
          onChange={(e) => onChange({ ...node, min: optionalInt(e.target.value) })}
        />
      </div>
      <div className="field narrow">
        <label htmlFor={`${id}-max`}>{t('seg.age.max')}</label>
        <input
          id={`${id}-max`}
          type="number"
          min={0}
          max={130}
          value={node.max ?? ''}
          onChange={(e) => onChange({ ...node, max: optionalInt(e.target.value) })}
        />
      </div>
    </div>
  );
}

export function GenderFields({ node, onChange }: FieldsProps<'gender'>) {
  const { t } = useI18n();
  const toggle = (g: (typeof GENDERS)[number], on: boolean) =>
    onChange({ ...node, values: on ? [...node.values, g] : node.values.filter((v) => v !== g) });
  return (
    <fieldset className="inline">
      <legend>{t('seg.rule.gender')}</legend>
      {GENDERS.map((g) => (
        <label key={g} className="checkbox">
          <input
            type="checkbox"
            checked={node.values.includes(g)}
            onChange={(e) => toggle(g, e.target.checked)}
          />
          {t(`gender.${g}`)}
        </label>
      ))}
    </fieldset>
  );
}

/** Values typed as a comma-separated list; the text stays as typed while the rule gets the clean list. */
export function ListInput({
  label,
  hint,
  values,
  onChange,
}: {
  label: string;
  hint?: string;
  values: readonly string[];
  onChange(values: string[]): void;
}) {
  const id = useId();
  const [text, setText] = useState(values.join(', '));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        autoComplete="off"
        aria-describedby={hint ? `${id}-hint` : undefined}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onChange(
            e.target.value
              .split(/[,;\n]/)
              .map((v) => v.trim())
              .filter(Boolean),
          );
        }}
      />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export function PlaceFields({ node, onChange }: FieldsProps<'place'>) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field-row">
      <div className="field narrow">
        <label htmlFor={`${id}-field`}>{t('seg.place.field')}</label>
        <select
          id={`${id}-field`}
          value={node.field}
          onChange={(e) => onChange({ ...node, field: e.target.value as (typeof PLACE_FIELDS)[number] })}
        >
          {PLACE_FIELDS.map((f) => (
            <option key={f} value={f}>
              {t(`seg.place.${f}`)}
            </option>
          ))}
        </select>
      </div>
      <ListInput
        label={t(`seg.place.${node.field}`)}
        hint={t(node.field === 'postalCode' ? 'seg.place.postalHint' : 'seg.place.nameHint')}
        values={node.values}
        onChange={(values) => onChange({ ...node, values })}
      />
    </div>
  );
}

export function LanguageFields({ node, onChange }: FieldsProps<'language'>) {
  const { t } = useI18n();
  return (
    <ListInput
      label={t('seg.language.codes')}
      hint={t('seg.language.hint')}
      values={node.values}
      onChange={(values) => onChange({ ...node, values })}
    />
  );
}

export function CareUnitFields({ node, onChange }: FieldsProps<'careUnit'>) {
  const { t } = useI18n();
  const { careUnits } = useBuilderData();
  const toggle = (u: string, on: boolean) =>
    onChange({ ...node, units: on ? [...node.units, u] : node.units.filter((x) => x !== u) });
  const unknown = node.units.filter((u) => !careUnits.some((c) => c.id === u));
  return (
    <fieldset className="inline">
      <legend>{t('seg.rule.careUnit')}</legend>
      {careUnits.length === 0 && <p className="hint">{t('seg.careUnit.none')}</p>}
      {[
        ...careUnits.map((c) => ({ id: c.id, name: c.name })),
        ...unknown.map((u) => ({ id: u, name: u })),
      ].map((c) => (
        <label key={c.id} className="checkbox">
          <input
            type="checkbox"
            checked={node.units.includes(c.id)}
            onChange={(e) => toggle(c.id, e.target.checked)}
          />
          {c.name}
        </label>
      ))}
    </fieldset>
  );
}

export function DeceasedFields() {
  const { t } = useI18n();
  return <p className="hint">{t('seg.deceased.hint')}</p>;
}
