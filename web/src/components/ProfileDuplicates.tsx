import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Patient360 } from '../types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorText } from './ErrorText.tsx';
import { conflictKind } from './patientLabels.ts';

type Conflict = Patient360['conflicts'][number];
type Decision = 'same-person' | 'different-people';

/**
 * A person's decision on a possible duplicate, with the reason it needs
 * (POST /api/profile-conflicts/{id}/resolve): the same person merges this
 * profile and the other; different people are kept apart for good.
 */
function DecisionDialog({
  conflict,
  decision,
  onClose,
  onDone,
}: {
  conflict: Conflict;
  decision: Decision;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const merge = decision === 'same-person';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (reason.trim().length < 3) return setError(new Error(t('duplicates.reasonRequired')));
    setBusy(true);
    try {
      // The decision closes this entry as decided (and audits it); "same person" merges the two profiles.
      await api.post(`/api/profile-conflicts/${encodeURIComponent(conflict.id)}/resolve`, {
        decision,
        reason: reason.trim(),
      });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={merge ? t('duplicates.merge') : t('duplicates.different')} onClose={onClose}>
      <form onSubmit={submit}>
        <p>{merge ? t('duplicates.mergeExplain') : t('duplicates.differentExplain')}</p>
        {merge && conflictKind(conflict.reason) === 'duplicates.reason.personnummer' && (
          <p>{t('duplicates.mergePersonnummer')}</p>
        )}
        <p className="hint" lang="en">
          {conflict.reason}
        </p>
        <label htmlFor={`${id}-reason`}>{t('duplicates.reason')}</label>
        <textarea
          id={`${id}-reason`}
          rows={3}
          required
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <ErrorText error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {merge ? t('duplicates.mergeSubmit') : t('duplicates.differentSubmit')}
          </button>
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * Possible duplicates unification would not merge by itself (two personnummer,
 * two birth dates…): each with its reason and a link to the other profile, and
 * (patient:write) the decision — the same person, merged; or different
 * people, never matched again.
 */
export function ProfileDuplicates({
  data,
  canWrite,
  onChanged,
}: {
  data: Patient360;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { t, dateTime } = useI18n();
  const [open, setOpen] = useState<{ conflict: Conflict; decision: Decision } | null>(null);
  const [done, setDone] = useState('');
  const own = new Set(data.records.map((r) => r.id));

  return (
    <>
      {/* Outside the section, which goes when the last duplicate is decided: the outcome is still announced. */}
      <p className="status duplicates-status" role="status">
        {done}
      </p>
      {data.conflicts.length > 0 && (
        <section className="card" id="duplicates" aria-labelledby="duplicates-heading">
          <h2 id="duplicates-heading">{t('duplicates.title')}</h2>
          <p className="hint">{t('duplicates.intro')}</p>
          <ul className="plain duplicates" aria-label={t('duplicates.list')}>
            {data.conflicts.map((c) => {
              const kind = t(conflictKind(c.reason) ?? 'duplicates.reason.other');
              // The record may have joined this profile since (its source was corrected): nothing to decide.
              const stale = own.has(c.recordId);
              return (
                <li key={c.id} className="duplicate">
                  <p>
                    <strong>{kind}</strong>{' '}
                    <span className="hint">{t('duplicates.found', { at: dateTime(c.at) })}</span>
                  </p>
                  <p className="hint" lang="en">
                    {c.reason}
                  </p>
                  {stale ? (
                    <p className="hint">{t('duplicates.stale')}</p>
                  ) : (
                    <>
                      {c.otherProfileId ? (
                        <p>
                          <Link to={`/profiles/${encodeURIComponent(c.otherProfileId)}`}>
                            {t('duplicates.open')}
                            <span className="visually-hidden">: {kind}</span>
                          </Link>
                        </p>
                      ) : (
                        <p className="hint">{t('duplicates.noOther')}</p>
                      )}
                      {canWrite && (
                        <div className="actions">
                          {c.otherProfileId && (
                            <button
                              type="button"
                              className="primary"
                              onClick={() => {
                                setDone('');
                                setOpen({ conflict: c, decision: 'same-person' });
                              }}
                            >
                              {t('duplicates.merge')}
                              <span className="visually-hidden">: {kind}</span>
                            </button>
                          )}
                          <button
                            type="button"
                            onClick={() => {
                              setDone('');
                              setOpen({ conflict: c, decision: 'different-people' });
                            }}
                          >
                            {t('duplicates.different')}
                            <span className="visually-hidden">: {kind}</span>
                          </button>
                        </div>
                      )}
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {open && (
        <DecisionDialog
          conflict={open.conflict}
          decision={open.decision}
          onClose={() => setOpen(null)}
          onDone={() => {
            setDone(open.decision === 'same-person' ? t('duplicates.merged') : t('duplicates.kept'));
            setOpen(null);
            onChanged();
          }}
        />
      )}
    </>
  );
}
