import { useEffect, useId, useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import '../components/patients.css';
import { BuilderDataProvider } from '../components/segments/BuilderData.tsx';
import { type Draft, draftOf, EMPTY_DRAFT } from '../components/segments/draft.ts';
import { PreviewPanel, PreviewSample, todayIso } from '../components/segments/PreviewPanel.tsx';
import { localProblems, type ShownProblem, serverProblems } from '../components/segments/problems.ts';
import { RuleTree } from '../components/segments/RuleTree.tsx';
import { SavedSegmentPanels } from '../components/segments/SavedSegmentPanels.tsx';
import { SegmentSettings } from '../components/segments/SegmentSettings.tsx';
import '../components/segments/segments.css';
import { usePreview } from '../components/segments/usePreview.ts';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { DefinitionProblem, Segment } from '../types.ts';

/** The as-of date as the instant to evaluate at: the end of that day, or now for today. */
const asOfInstant = (date: string) => (date === todayIso() ? undefined : `${date}T23:59:59Z`);

type Saving =
  | { state: 'idle' }
  | { state: 'busy' }
  | { state: 'saved'; version: number }
  | { state: 'conflict' };

/** A segment's builder: its settings and rules, a live preview, and once saved its members and history. */
function SegmentEditor({ id }: { id?: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const headingId = useId();
  const [saved, setSaved] = useState<Segment | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [saveProblems, setSaveProblems] = useState<DefinitionProblem[]>([]);
  const [saving, setSaving] = useState<Saving>(
    (location.state as { savedVersion?: number } | null)?.savedVersion
      ? { state: 'saved', version: (location.state as { savedVersion: number }).savedVersion }
      : { state: 'idle' },
  );
  const [asOf, setAsOf] = useState(todayIso());
  const [tick, setTick] = useState(0);

  const load = (then?: (s: Segment) => void) => {
    if (!id) return;
    api
      .get<Segment>(`/api/segments/${id}`)
      .then((s) => {
        setSaved(s);
        setDraft(draftOf(s));
        then?.(s);
      })
      .catch(setLoadError);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once per segment (the page is keyed by id)
  useEffect(() => load(), [id]);
  usePageTitle(id ? 'seg.edit.title' : 'seg.new.title');

  const frozen = saved?.kind === 'static' && saved.frozenAt !== null;
  const editable = can('segment:write') && !frozen;
  const local = useMemo(() => localProblems(draft.definition, t), [draft.definition, t]);
  const preview = usePreview(
    draft.definition,
    asOfInstant(asOf),
    local.length === 0 && (!id || saved !== null),
  );
  const problems: ShownProblem[] = useMemo(
    () => [...local, ...serverProblems(preview.problems.length ? preview.problems : saveProblems)],
    [local, preview.problems, saveProblems],
  );
  const dirty = JSON.stringify(saved ? draftOf(saved) : EMPTY_DRAFT) !== JSON.stringify(draft);

  const change = (d: Draft) => {
    setDraft(d);
    setSaveProblems([]);
    if (saving.state === 'saved') setSaving({ state: 'idle' });
  };

  const save = async () => {
    setError(null);
    if (!draft.name.trim()) return setError(new Error(t('seg.save.nameRequired')));
    if (local.length) return setError(new Error(t('seg.save.fixProblems')));
    setSaving({ state: 'busy' });
    const body = { ...draft, name: draft.name.trim(), template: saved?.template ?? undefined };
    try {
      if (!saved) {
        const created = await api.post<Segment>('/api/segments', body);
        navigate(`/segments/${created.id}`, { replace: true, state: { savedVersion: created.version } });
        return;
      }
      const updated = await api.put<Segment>(`/api/segments/${saved.id}`, {
        ...body,
        version: saved.version,
      });
      setSaved(updated);
      setDraft(draftOf(updated));
      setSaving({ state: 'saved', version: updated.version });
      setTick((n) => n + 1);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !frozen) return setSaving({ state: 'conflict' });
      const found =
        err instanceof ApiError ? (err.body as { problems?: DefinitionProblem[] })?.problems : undefined;
      if (found?.length) setSaveProblems(found);
      setError(err);
      setSaving({ state: 'idle' });
    }
  };

  const refreshed = () => {
    load();
    setTick((n) => n + 1);
  };

  if (loadError) return <ErrorText error={loadError} />;
  if (id && !saved) return <p aria-live="polite">{t('common.loading')}</p>;

  return (
    <>
      <p className="breadcrumb">
        <Link to="/segments">{t('seg.list.title')}</Link>
      </p>
      <h1 id={headingId}>{saved ? saved.name : t('seg.new.title')}</h1>
      {(location.state as { fromTemplate?: boolean } | null)?.fromTemplate && (
        <p className="notice">{t('seg.template.copied')}</p>
      )}
      {frozen && <p className="notice">{t('seg.edit.frozen')}</p>}
      <BuilderDataProvider selfId={saved?.id} problems={problems}>
        <div className="builder-layout">
          <div className="builder-main">
            <fieldset disabled={!editable} className="bare">
              <legend className="visually-hidden">{t('seg.edit.title')}</legend>
              <SegmentSettings draft={draft} template={saved?.template ?? null} onChange={change} />
              <section aria-labelledby="rules-h" className="card rules">
                <h2 id="rules-h">{t('seg.rules.title')}</h2>
                <p className="hint">{t('seg.rules.intro')}</p>
                <RuleTree
                  root={draft.definition.root}
                  onChange={(root) => change({ ...draft, definition: { ...draft.definition, root } })}
                />
              </section>
            </fieldset>
            {editable && (
              <div className="save-bar">
                <button
                  type="button"
                  className="primary"
                  disabled={saving.state === 'busy'}
                  onClick={() => void save()}
                >
                  {saved ? t('seg.save.version') : t('seg.save.new')}
                </button>
                <p role="status" className="save-status">
                  {saving.state === 'busy'
                    ? t('seg.save.saving')
                    : saving.state === 'saved'
                      ? t('seg.save.saved', { version: saving.version })
                      : dirty && saved
                        ? t('seg.save.unsaved')
                        : ''}
                </p>
                {saving.state === 'conflict' && (
                  <div className="notice" role="alert">
                    <p>{t('seg.save.conflict')}</p>
                    <button
                      type="button"
                      onClick={() => {
                        setSaving({ state: 'idle' });
                        load();
                      }}
                    >
                      {t('seg.save.reload')}
                    </button>
                  </div>
                )}
                <ErrorText error={error} />
              </div>
            )}
          </div>
          <PreviewPanel state={preview} asOf={asOf} onAsOf={setAsOf} waiting={local.length > 0} />
        </div>
        <PreviewSample state={preview} />
      </BuilderDataProvider>
      {saved && <SavedSegmentPanels segment={saved} dirty={dirty} tick={tick} onRefreshed={refreshed} />}
    </>
  );
}

/** /segments/new and /segments/:id: a fresh editor per segment. */
export function SegmentPage() {
  const { id } = useParams();
  return <SegmentEditor key={id ?? 'new'} id={id} />;
}
