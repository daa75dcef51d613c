import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import '../components/patients.css';
import '../components/segments/segments.css';
import { TemplateGallery } from '../components/segments/TemplateGallery.tsx';
import { TableWrap } from '../components/TableWrap.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { Segment, SegmentTemplate } from '../types.ts';
import { useLoad } from '../useLoad.ts';

const GALLERY = 'template-gallery';

/** Segments: the saved ones with their sizes, and the ways to start a new one (blank, from a template, a copy). */
export function Segments() {
  const { t, dateTime, number, lang } = useI18n();
  usePageTitle('seg.list.title');
  const { can } = useSession();
  const navigate = useNavigate();
  const segments = useLoad<{ segments: Segment[] }>('/api/segments');
  const templates = useLoad<{ templates: SegmentTemplate[] }>('/api/segments/templates');
  const [gallery, setGallery] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const write = can('segment:write');

  useEffect(() => {
    if (gallery) document.getElementById(`${GALLERY}-h`)?.focus();
  }, [gallery]);

  const templateName = (id: string | null) => {
    if (!id) return '–';
    return templates.data?.templates.find((x) => x.id === id)?.name[lang] ?? id;
  };

  const duplicate = async (s: Segment) => {
    setBusy(true);
    setError(null);
    try {
      const copy = await api.post<Segment>(`/api/segments/${s.id}/duplicate`);
      navigate(`/segments/${copy.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const list = segments.data?.segments ?? [];
  return (
    <>
      <h1>{t('seg.list.title')}</h1>
      <p className="lead">{t('seg.list.intro')}</p>
      {write && (
        <div className="actions">
          <Link to="/segments/new" className="button primary">
            {t('seg.list.new')}
          </Link>
          <button
            type="button"
            aria-expanded={gallery}
            aria-controls={GALLERY}
            onClick={() => setGallery((g) => !g)}
          >
            {t('seg.list.fromTemplate')}
          </button>
        </div>
      )}
      {gallery && <TemplateGallery id={GALLERY} />}
      <ErrorText error={error ?? segments.error} />
      <section aria-labelledby="segments-saved" className="segments-saved">
        <h2 id="segments-saved">{t('seg.list.saved')}</h2>
        {!segments.data && !segments.error && <p>{t('common.loading')}</p>}
        {segments.data && list.length === 0 && <p>{t('seg.list.none')}</p>}
        {list.length > 0 && (
          <TableWrap label={t('seg.list.saved')}>
            <table className="segments-table">
              <thead>
                <tr>
                  <th scope="col">{t('seg.field.name')}</th>
                  <th scope="col">{t('seg.field.kind')}</th>
                  <th scope="col" className="num">
                    {t('seg.list.members')}
                  </th>
                  <th scope="col">{t('seg.list.refreshed')}</th>
                  <th scope="col">{t('seg.list.template')}</th>
                  {write && <th scope="col">{t('common.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      <Link to={`/segments/${s.id}`}>{s.name}</Link>
                      {s.description && <p className="hint">{s.description}</p>}
                    </th>
                    <td>{t(s.kind === 'static' ? 'seg.kind.static' : 'seg.kind.dynamic')}</td>
                    <td className="num">{s.memberCount === null ? '–' : number(s.memberCount)}</td>
                    <td className="nowrap">{s.refreshedAt ? dateTime(s.refreshedAt) : '–'}</td>
                    <td>{templateName(s.template)}</td>
                    {write && (
                      <td>
                        <button
                          type="button"
                          disabled={busy}
                          aria-label={t('seg.action.duplicateNamed', { name: s.name })}
                          onClick={() => void duplicate(s)}
                        >
                          {t('seg.action.duplicate')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
