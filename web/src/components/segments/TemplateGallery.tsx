import { useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api.ts';
import { isMessageKey, useI18n } from '../../i18n/index.tsx';
import type { Segment, SegmentTemplate } from '../../types.ts';
import { useLoad } from '../../useLoad.ts';
import { ErrorText } from '../ErrorText.tsx';

function TemplateCard({ tpl, onUse, busy }: { tpl: SegmentTemplate; onUse(): void; busy: boolean }) {
  const { t, lang } = useI18n();
  const id = useId();
  const other = lang === 'sv' ? 'en' : 'sv';
  const g = tpl.guideline;
  return (
    <li>
      <article className="template-card" aria-labelledby={`${id}-name`} data-template={tpl.id}>
        <h4 id={`${id}-name`}>{tpl.name[lang]}</h4>
        <p className="hint" lang={other}>
          {tpl.name[other]}
        </p>
        <p>{tpl.description[lang]}</p>
        <p className="hint">
          {t('seg.template.source')}{' '}
          {g.url ? (
            <a href={g.url} target="_blank" rel="noreferrer">
              {g.title}
            </a>
          ) : (
            g.title
          )}{' '}
          ({g.publisher})
        </p>
        <details>
          <summary>{t('seg.template.details')}</summary>
          <ul className="compact">
            {tpl.codes.map((c) => (
              <li key={`${c.system}|${c.codes.join(',')}`}>
                <span lang="en">{c.meaning}</span>: {c.system} {c.codes.join(', ')}
                {c.descendants ? ` (${t('seg.codes.descendants')})` : ''}
              </li>
            ))}
          </ul>
          <p lang="en">{g.note}</p>
        </details>
        <button
          type="button"
          className="primary"
          disabled={busy}
          aria-label={t('seg.template.useNamed', { name: tpl.name[lang] })}
          onClick={onUse}
        >
          {t('seg.template.use')}
        </button>
      </article>
    </li>
  );
}

/** Ready segments by category; picking one makes an editable copy and opens it. */
export function TemplateGallery({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const templates = useLoad<{ templates: SegmentTemplate[] }>('/api/segments/templates');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const list = templates.data?.templates ?? [];
  const categories = [...new Set(list.map((x) => x.category))];

  const use = async (tpl: SegmentTemplate) => {
    setBusy(true);
    setError(null);
    try {
      const seg = await api.post<Segment>('/api/segments/from-template', { template: tpl.id, lang });
      navigate(`/segments/${seg.id}`, { state: { fromTemplate: true } });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const categoryName = (c: string) => {
    const key = `seg.category.${c}`;
    return isMessageKey(key) ? t(key) : c;
  };

  return (
    <section id={id} aria-labelledby={`${id}-h`} className="card template-gallery">
      <h2 id={`${id}-h`} tabIndex={-1}>
        {t('seg.template.title')}
      </h2>
      <p className="hint">{t('seg.template.intro')}</p>
      <ErrorText error={error ?? templates.error} />
      {!templates.data && !templates.error && <p>{t('common.loading')}</p>}
      {categories.map((c) => (
        <section key={c} aria-labelledby={`${id}-${c}`}>
          <h3 id={`${id}-${c}`}>{categoryName(c)}</h3>
          <ul className="plain template-list">
            {list
              .filter((x) => x.category === c)
              .map((x) => (
                <TemplateCard key={x.id} tpl={x} busy={busy} onUse={() => void use(x)} />
              ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
