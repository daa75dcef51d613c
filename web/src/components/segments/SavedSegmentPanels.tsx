import { useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.tsx';
import { useSession } from '../../session.tsx';
import type { CountPoint, MembershipChange, Segment } from '../../types.ts';
import { useLoad } from '../../useLoad.ts';
import { Dialog } from '../Dialog.tsx';
import { ErrorText } from '../ErrorText.tsx';
import { HistoryChart } from './HistoryChart.tsx';
import { MembersTable } from './MembersTable.tsx';

function DeleteDialog({ segment, onClose }: { segment: Segment; onClose(): void }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    try {
      await api.delete(`/api/segments/${segment.id}`);
      navigate('/segments');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title={t('seg.delete.title', { name: segment.name })} onClose={onClose}>
      <p>{t('seg.delete.text')}</p>
      <ErrorText error={error} />
      <div className="actions">
        <button type="button" className="danger" onClick={() => void remove()}>
          {t('common.delete')}
        </button>
        <button type="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}

/** Duplicate, recount, export and delete: what is done to the saved segment. */
function SegmentActions({
  segment,
  dirty,
  onRefreshed,
}: {
  segment: Segment;
  dirty: boolean;
  onRefreshed(c: MembershipChange): void;
}) {
  const { t, number, dateTime } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [deleting, setDeleting] = useState(false);
  const write = can('segment:write');

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const duplicate = () =>
    run(async () => {
      const copy = await api.post<Segment>(`/api/segments/${segment.id}/duplicate`);
      navigate(`/segments/${copy.id}`);
    });
  const refresh = () =>
    run(async () => {
      const c = await api.post<MembershipChange>(`/api/segments/${segment.id}/refresh`);
      setStatus(
        t('seg.refresh.done', {
          members: number(c.members),
          entered: number(c.entered),
          exited: number(c.exited),
        }),
      );
      onRefreshed(c);
    });

  return (
    <section aria-labelledby={`${id}-h`} className="card segment-actions">
      <h2 id={`${id}-h`}>{t('seg.saved.title')}</h2>
      <p>
        {t('seg.saved.facts', {
          members: segment.memberCount === null ? '–' : number(segment.memberCount),
          version: segment.version,
          refreshed: segment.refreshedAt ? dateTime(segment.refreshedAt) : '–',
        })}
      </p>
      {dirty && <p className="hint">{t('seg.saved.dirty')}</p>}
      <div className="actions">
        {write && (
          <button type="button" disabled={busy} onClick={() => void refresh()}>
            {t('seg.action.refresh')}
          </button>
        )}
        {write && (
          <button type="button" disabled={busy} onClick={() => void duplicate()}>
            {t('seg.action.duplicate')}
          </button>
        )}
        {can('segment:export') && (
          <a className="button" href={`/api/segments/${segment.id}/export`} download>
            {t('seg.action.export')}
          </a>
        )}
        {write && (
          <button type="button" className="danger" disabled={busy} onClick={() => setDeleting(true)}>
            {t('seg.action.delete')}
          </button>
        )}
      </div>
      <p role="status" className="hint">
        {status}
      </p>
      <ErrorText error={error} />
      {deleting && <DeleteDialog segment={segment} onClose={() => setDeleting(false)} />}
    </section>
  );
}

function History({ segmentId, tick }: { segmentId: string; tick: number }) {
  const { t } = useI18n();
  const id = useId();
  const history = useLoad<{ points: CountPoint[] }>(`/api/segments/${segmentId}/history`);
  const { reload } = history;
  useEffect(() => {
    if (tick > 0) reload();
  }, [tick, reload]);
  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h2 id={`${id}-h`}>{t('seg.history.title')}</h2>
      <ErrorText error={history.error} />
      {history.data && <HistoryChart points={history.data.points} />}
    </section>
  );
}

/** What a saved segment has besides its definition: actions, members and the history of its size. */
export function SavedSegmentPanels({
  segment,
  dirty,
  tick,
  onRefreshed,
}: {
  segment: Segment;
  dirty: boolean;
  tick: number;
  onRefreshed(c: MembershipChange): void;
}) {
  return (
    <>
      <SegmentActions segment={segment} dirty={dirty} onRefreshed={onRefreshed} />
      <MembersTable segmentId={segment.id} reloadKey={tick} />
      <History segmentId={segment.id} tick={tick} />
    </>
  );
}
