import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, query } from '../../api.ts';
import { useI18n } from '../../i18n/index.tsx';
import { useSession } from '../../session.tsx';
import type { SegmentMember } from '../../types.ts';
import { ErrorText } from '../ErrorText.tsx';
import { TableWrap } from '../TableWrap.tsx';

const PAGE = 25;

interface Page {
  members: SegmentMember[];
  next: string | null;
  total: number | null;
}

/** The saved segment's current members, a page at a time (only those in care units the user may see). */
export function MembersTable({ segmentId, reloadKey }: { segmentId: string; reloadKey: number }) {
  const { t, date, dateTime, number } = useI18n();
  const { can } = useSession();
  const id = useId();
  // The `after` cursor of every page so far: going back is taking one off.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<unknown>(null);
  const after = cursors[cursors.length - 1];

  // biome-ignore lint/correctness/useExhaustiveDependencies: a save or a recount starts from the first page
  useEffect(() => setCursors([undefined]), [segmentId, reloadKey]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey: a save or a recount has new members
  useEffect(() => {
    let live = true;
    api
      .get<Page>(`/api/segments/${segmentId}/members${query({ limit: PAGE, after })}`)
      .then((p) => {
        if (!live) return;
        setPage(p);
        setError(null);
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [segmentId, after, reloadKey]);

  const start = (cursors.length - 1) * PAGE;
  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h2 id={`${id}-h`}>{t('seg.members.title')}</h2>
      <ErrorText error={error} />
      {page && page.members.length === 0 && <p>{t('seg.members.none')}</p>}
      {page && page.members.length > 0 && (
        <>
          <p className="hint" aria-live="polite">
            {t('seg.members.range', {
              from: number(start + 1),
              to: number(start + page.members.length),
              total: page.total === null ? '?' : number(page.total),
            })}
          </p>
          <TableWrap label={t('seg.members.title')}>
            <table className="members-table">
              <thead>
                <tr>
                  <th scope="col">{t('patient.name')}</th>
                  <th scope="col">{t('patient.birthDate')}</th>
                  <th scope="col">{t('seg.members.since')}</th>
                </tr>
              </thead>
              <tbody>
                {page.members.map((m) => (
                  <tr key={m.patientId}>
                    <th scope="row">
                      {m.profileId && can('patient:read') ? (
                        <Link to={`/profiles/${encodeURIComponent(m.profileId)}`}>
                          {m.name ?? t('patient.unnamed')}
                        </Link>
                      ) : (
                        (m.name ?? t('patient.unnamed'))
                      )}
                    </th>
                    <td className="nowrap">{date(m.birthDate)}</td>
                    <td className="nowrap">{dateTime(m.enteredAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
      <div className="actions">
        <button
          type="button"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          {t('seg.members.previous')}
        </button>
        <button
          type="button"
          disabled={!page?.next}
          onClick={() => page?.next && setCursors((c) => [...c, page.next ?? undefined])}
        >
          {t('seg.members.next')}
        </button>
      </div>
    </section>
  );
}
