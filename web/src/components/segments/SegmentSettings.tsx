import { useId } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import type { SegmentTemplate } from '../../types.ts';
import { useLoad } from '../../useLoad.ts';
import type { Draft } from './draft.ts';

/** Name, description, dynamic or static, how often to recount, and whether the deceased count. */
export function SegmentSettings({
  draft,
  template,
  onChange,
}: {
  draft: Draft;
  template: string | null;
  onChange(d: Draft): void;
}) {
  const { t, lang } = useI18n();
  const id = useId();
  const templates = useLoad<{ templates: SegmentTemplate[] }>(template ? '/api/segments/templates' : null);
  const tpl = templates.data?.templates.find((x) => x.id === template);
  return (
    <section aria-labelledby={`${id}-h`} className="card settings">
      <h2 id={`${id}-h`}>{t('seg.settings.title')}</h2>
      {tpl && (
        <p className="hint">
          {t('seg.settings.template', { name: tpl.name[lang] })} {t('seg.template.source')}{' '}
          {tpl.guideline.url ? (
            <a href={tpl.guideline.url} target="_blank" rel="noreferrer">
              {tpl.guideline.title}
            </a>
          ) : (
            tpl.guideline.title
          )}{' '}
          ({tpl.guideline.publisher})
        </p>
      )}
      <div className="grid-form">
        <div className="field">
          <label htmlFor={`${id}-name`}>{t('seg.field.name')}</label>
          <input
            id={`${id}-name`}
            required
            maxLength={200}
            autoComplete="off"
            value={draft.name}
            onChange={(e) => onChange({ ...draft, name: e.target.value })}
          />
        </div>
        <div className="field wide">
          <label htmlFor={`${id}-desc`}>{t('seg.field.description')}</label>
          <textarea
            id={`${id}-desc`}
            rows={2}
            maxLength={2000}
            value={draft.description}
            onChange={(e) => onChange({ ...draft, description: e.target.value })}
          />
        </div>
        <fieldset className="inline">
          <legend>{t('seg.field.kind')}</legend>
          {(['dynamic', 'static'] as const).map((k) => (
            <label key={k} className="radio">
              <input
                type="radio"
                name={`${id}-kind`}
                value={k}
                checked={draft.kind === k}
                onChange={() => onChange({ ...draft, kind: k })}
              />
              {t(`seg.kind.${k}Long`)}
            </label>
          ))}
        </fieldset>
        {draft.kind === 'dynamic' && (
          <div className="field">
            <label htmlFor={`${id}-refresh`}>{t('seg.field.refreshMinutes')}</label>
            <input
              id={`${id}-refresh`}
              type="number"
              min={5}
              max={10080}
              aria-describedby={`${id}-refresh-hint`}
              value={draft.refreshMinutes ?? ''}
              onChange={(e) =>
                onChange({
                  ...draft,
                  refreshMinutes: e.target.value === '' ? undefined : Math.trunc(Number(e.target.value)),
                })
              }
            />
            <p id={`${id}-refresh-hint`} className="hint">
              {t('seg.field.refreshHint')}
            </p>
          </div>
        )}
        <label className="checkbox wide">
          <input
            type="checkbox"
            checked={draft.definition.includeDeceased === true}
            onChange={(e) =>
              onChange({
                ...draft,
                definition: { ...draft.definition, includeDeceased: e.target.checked || undefined },
              })
            }
          />
          {t('seg.field.includeDeceased')}
        </label>
      </div>
    </section>
  );
}
