import { useEffect } from 'react';
import { ErrorText } from '../components/ErrorText.tsx';
import { type MessageKey, useI18n, usePageTitle } from '../i18n/index.tsx';
import type { ImportJob } from '../types.ts';
import { useLoad } from '../useLoad.ts';

const POLL_MS = 3000;
const STATUS_LABEL: Record<ImportJob['status'], MessageKey> = {
  queued: 'imports.status.queued',
  running: 'imports.status.running',
  completed: 'imports.status.completed',
  failed: 'imports.status.failed',
  cancelled: 'imports.status.cancelled',
};

export function Imports() {
  const { t, dateTime, number } = useI18n();
  usePageTitle('imports.title');
  const jobs = useLoad<ImportJob[]>('/api/imports');
  const active = jobs.data?.some((j) => j.status === 'queued' || j.status === 'running') ?? false;

  // Jobs in progress are polled until they finish.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(jobs.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [active, jobs.reload]);

  return (
    <>
      <h1>{t('imports.title')}</h1>
      <ErrorText error={jobs.error} />
      {jobs.data &&
        (jobs.data.length === 0 ? (
          <p>{t('imports.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('imports.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('imports.started')}</th>
                  <th scope="col">{t('imports.status')}</th>
                  <th scope="col">{t('imports.progress')}</th>
                  <th scope="col">{t('imports.counts')}</th>
                  <th scope="col">{t('imports.errors')}</th>
                  <th scope="col">{t('imports.finished')}</th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.map((j) => (
                  <tr key={j.id}>
                    <td className="nowrap">
                      {dateTime(j.createdAt)}
                      <span className="hint block">
                        <code>{j.id}</code>
                      </span>
                    </td>
                    <td>
                      <span className={`badge status-${j.status}`}>{t(STATUS_LABEL[j.status])}</span>
                      {j.message && <span className="hint block">{j.message}</span>}
                    </td>
                    <td>
                      {j.status === 'running' && j.progress.totalBytes ? (
                        <progress
                          className="block"
                          value={j.progress.bytes ?? 0}
                          max={j.progress.totalBytes}
                          aria-label={t('imports.progress')}
                        />
                      ) : null}
                      {t('imports.progressText', {
                        lines: number(j.progress.linesRead),
                        written: number(j.progress.resourcesWritten),
                        errors: number(j.progress.errors),
                      })}
                    </td>
                    <td>
                      {Object.keys(j.counts).length === 0 ? (
                        '–'
                      ) : (
                        <ul className="plain compact">
                          {Object.entries(j.counts)
                            .sort(([a], [b]) => a.localeCompare(b))
                            .map(([type, n]) => (
                              <li key={type}>
                                {type}: {number(n)}
                              </li>
                            ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      {j.errors.length === 0 ? (
                        '–'
                      ) : (
                        <details>
                          <summary>{t('imports.errorCount', { n: number(j.progress.errors) })}</summary>
                          <ul className="plain compact">
                            {j.errors.map((e) => (
                              <li key={`${e.source}:${e.line}:${e.message}`}>
                                <code>
                                  {e.source}:{e.line}
                                </code>{' '}
                                {e.message}
                              </li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </td>
                    <td className="nowrap">{j.finishedAt ? dateTime(j.finishedAt) : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
