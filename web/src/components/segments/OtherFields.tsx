import { useId, useState } from 'react';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.tsx';
import type { SegmentListResult } from '../../types.ts';
import { ErrorText } from '../ErrorText.tsx';
import { CHANNEL_LABEL, CHANNELS, PURPOSE_LABEL, PURPOSES } from '../patientLabels.ts';
import { useBuilderData } from './BuilderData.tsx';
import type { FieldsProps } from './DemographicFields.tsx';
import { WindowField } from './WindowField.tsx';

const EVENTS = [
  'received',
  'opened',
  'clicked',
  'replied',
  'registered',
  'attended',
  'journey-member',
] as const;

export function EngagementFields({ node, onChange }: FieldsProps<'engagement'>) {
  const { t } = useI18n();
  const id = useId();
  return (
    <>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-event`}>{t('seg.engagement.event')}</label>
          <select
            id={`${id}-event`}
            value={node.event}
            onChange={(e) => onChange({ ...node, event: e.target.value as (typeof EVENTS)[number] })}
          >
            {EVENTS.map((ev) => (
              <option key={ev} value={ev}>
                {t(`seg.event.${ev}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-ref`}>{t('seg.engagement.ref')}</label>
          <input
            id={`${id}-ref`}
            autoComplete="off"
            aria-describedby={`${id}-ref-hint`}
            value={node.ref ?? ''}
            onChange={(e) => onChange({ ...node, ref: e.target.value.trim() || undefined })}
          />
          <p id={`${id}-ref-hint`} className="hint">
            {t('seg.engagement.refHint')}
          </p>
        </div>
      </div>
      <WindowField window={node.window} onChange={(window) => onChange({ ...node, window })} />
    </>
  );
}

export function ConsentFields({ node, onChange }: FieldsProps<'consent'>) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field-row">
      <div className="field">
        <label htmlFor={`${id}-channel`}>{t('seg.consent.channel')}</label>
        <select
          id={`${id}-channel`}
          value={node.channel}
          onChange={(e) => onChange({ ...node, channel: e.target.value as (typeof CHANNELS)[number] })}
        >
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {t(CHANNEL_LABEL[c])}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-purpose`}>{t('seg.consent.purpose')}</label>
        <select
          id={`${id}-purpose`}
          value={node.purpose}
          onChange={(e) => onChange({ ...node, purpose: e.target.value as (typeof PURPOSES)[number] })}
        >
          {PURPOSES.map((p) => (
            <option key={p} value={p}>
              {t(PURPOSE_LABEL[p])}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-topic`}>{t('seg.consent.topic')}</label>
        <input
          id={`${id}-topic`}
          autoComplete="off"
          value={node.topic ?? ''}
          onChange={(e) => onChange({ ...node, topic: e.target.value.trim() || undefined })}
        />
      </div>
    </div>
  );
}

export function SegmentRefFields({ node, onChange }: FieldsProps<'segment'>) {
  const { t } = useI18n();
  const id = useId();
  const { segments, selfId } = useBuilderData();
  return (
    <div className="field">
      <label htmlFor={id}>{t('seg.segmentRef.pick')}</label>
      <select
        id={id}
        value={node.segmentId}
        onChange={(e) => onChange({ ...node, segmentId: e.target.value })}
      >
        <option value="">{t('common.choose')}</option>
        {segments
          .filter((s) => s.id !== selfId)
          .map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
      </select>
    </div>
  );
}

/** A CSV file read in the browser and sent as a static list (first column: personnummer or patient ids). */
function ListUpload({ onUploaded }: { onUploaded(listId: string): void }) {
  const { t } = useI18n();
  const id = useId();
  const { reloadLists } = useBuilderData();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<SegmentListResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const upload = async () => {
    setError(null);
    if (!file) return setError(new Error(t('seg.list.fileRequired')));
    setBusy(true);
    try {
      const csv = await file.text();
      const r = await api.post<SegmentListResult>('/api/segment-lists', {
        name: name.trim() || file.name.replace(/\.[^.]+$/, ''),
        csv,
      });
      setResult(r);
      reloadLists();
      onUploaded(r.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="list-upload">
      <summary>{t('seg.list.upload')}</summary>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>{t('seg.list.name')}</label>
          <input
            id={`${id}-name`}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-file`}>{t('seg.list.file')}</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,.txt,text/csv"
            aria-describedby={`${id}-hint`}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <button type="button" disabled={busy} onClick={() => void upload()}>
          {t('seg.list.send')}
        </button>
      </div>
      <p id={`${id}-hint`} className="hint">
        {t('seg.list.hint')}
      </p>
      <ErrorText error={error} />
      <p role="status" className="hint">
        {result ? t('seg.list.result', { size: result.size, unmatched: result.unmatched }) : ''}
      </p>
    </details>
  );
}

export function ListFields({ node, onChange }: FieldsProps<'list'>) {
  const { t } = useI18n();
  const id = useId();
  const { lists } = useBuilderData();
  return (
    <>
      <div className="field">
        <label htmlFor={id}>{t('seg.list.pick')}</label>
        <select id={id} value={node.listId} onChange={(e) => onChange({ ...node, listId: e.target.value })}>
          <option value="">{t('common.choose')}</option>
          {lists.map((l) => (
            <option key={l.id} value={l.id}>
              {t('seg.list.option', { name: l.name, size: l.size })}
            </option>
          ))}
        </select>
      </div>
      <ListUpload onUploaded={(listId) => onChange({ ...node, listId })} />
    </>
  );
}
