import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import '../components/patients.css';
import { TableWrap } from '../components/TableWrap.tsx';
import { type MessageKey, useI18n, usePageTitle } from '../i18n/index.tsx';
import { formatPersonnummer } from '../personnummer.ts';
import type { ImportField, ImportResult, PersonSource } from '../types.ts';
import { useLoad } from '../useLoad.ts';

/**
 * Every field a column can map to (src/patients/csv/fields.ts), in the order a
 * list usually has them: a Record, so a field the server adds fails the type check.
 */
const FIELD_LABEL: Record<ImportField, MessageKey> = {
  personnummer: 'field.personnummer',
  givenName: 'field.givenName',
  familyName: 'field.familyName',
  fullName: 'field.fullName',
  birthDate: 'field.birthDate',
  gender: 'field.gender',
  email: 'field.email',
  phone: 'field.phone',
  mobile: 'field.mobile',
  street: 'field.street',
  postalCode: 'field.postalCode',
  city: 'field.city',
  country: 'field.country',
  language: 'field.language',
  externalId: 'field.externalId',
  identifier: 'field.identifier',
  consentEmail: 'field.consentEmail',
  consentSms: 'field.consentSms',
  ignore: 'field.ignore',
};
const FIELDS = Object.keys(FIELD_LABEL) as ImportField[];

/** The source-name rule of src/patients/sources.ts, checked before anything is sent. */
const SOURCE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NEW = '\u0000new';
const SHOWN_ERRORS = 200;

const DELIMITER: Record<string, MessageKey> = {
  ',': 'contactImport.delimiter.comma',
  ';': 'contactImport.delimiter.semicolon',
  '\t': 'contactImport.delimiter.tab',
};

function contactsPath(source: string, overrides: Record<string, string>, dryRun: boolean): string {
  const q = new URLSearchParams();
  if (dryRun) q.set('dryRun', 'true');
  for (const [column, field] of Object.entries(overrides)) q.append('map', `${column}=${field}`);
  return `/api/sources/${encodeURIComponent(source)}/contacts?${q}`;
}

function Summary({ r }: { r: ImportResult }) {
  const { t, number } = useI18n();
  const delimiter = DELIMITER[r.delimiter];
  const facts: [MessageKey, string][] = [
    ['contactImport.encoding', r.encoding === 'windows-1252' ? 'Windows-1252' : r.encoding.toUpperCase()],
    [
      'contactImport.delimiter',
      delimiter ? `${t(delimiter)} (${r.delimiter === '\t' ? '⇥' : r.delimiter})` : r.delimiter,
    ],
    ['contactImport.total', number(r.total)],
    ['contactImport.accepted', number(r.accepted)],
    ['contactImport.rejected', number(r.rejected)],
  ];
  return (
    <dl className="facts summary">
      {facts.map(([k, v]) => (
        <div className="fact" key={k}>
          <dt>{t(k)}</dt>
          <dd data-fact={k}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Mapping({
  r,
  overrides,
  onChange,
  disabled,
}: {
  r: ImportResult;
  overrides: Record<string, string>;
  onChange(column: string, field: string): void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const columns = [
    ...r.mapping.map((m) => ({ column: m.column, field: m.field })),
    ...r.unmapped.map((column) => ({ column, field: 'ignore' })),
  ];
  return (
    <section aria-labelledby="mapping-heading">
      <h2 id="mapping-heading">{t('contactImport.mapping')}</h2>
      <p className="hint">{t('contactImport.mappingHint')}</p>
      <TableWrap label={t('contactImport.mapping')}>
        <table className="mapping">
          <thead>
            <tr>
              <th scope="col">{t('contactImport.column')}</th>
              <th scope="col">{t('contactImport.field')}</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c.column} className={c.field === 'ignore' ? 'muted' : undefined}>
                <th scope="row">
                  {c.column}
                  {overrides[c.column] && <span className="badge">{t('contactImport.changed')}</span>}
                </th>
                <td>
                  <select
                    aria-label={t('contactImport.fieldFor', { column: c.column })}
                    value={c.field}
                    disabled={disabled}
                    onChange={(e) => onChange(c.column, e.target.value)}
                  >
                    {FIELDS.map((f) => (
                      <option key={f} value={f}>
                        {t(FIELD_LABEL[f])}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function Preview({ r }: { r: ImportResult }) {
  const { t, date } = useI18n();
  return (
    <section aria-labelledby="preview-heading">
      <h2 id="preview-heading">{t('contactImport.preview', { n: r.preview.length })}</h2>
      {r.preview.length === 0 ? (
        <p className="hint">{t('contactImport.noRows')}</p>
      ) : (
        <TableWrap label={t('contactImport.preview', { n: r.preview.length })}>
          <table className="preview">
            <thead>
              <tr>
                <th scope="col">{t('contactImport.row')}</th>
                <th scope="col">{t('patient.name')}</th>
                <th scope="col">{t('patient.personnummer')}</th>
                <th scope="col">{t('patient.birthDate')}</th>
                <th scope="col">{t('contactKind.email')}</th>
                <th scope="col">{t('contactKind.phone')}</th>
                <th scope="col">{t('patient.address')}</th>
                <th scope="col">{t('contactImport.warnings')}</th>
              </tr>
            </thead>
            <tbody>
              {r.preview.map(({ row, record: d, warnings }) => {
                const a = d.addresses[0];
                return (
                  <tr key={row}>
                    <td>{row}</td>
                    <th scope="row">{[...d.given, d.family].filter(Boolean).join(' ') || '–'}</th>
                    <td className="nowrap">{d.personnummer ? formatPersonnummer(d.personnummer) : '–'}</td>
                    <td className="nowrap">{date(d.birthDate) || '–'}</td>
                    <td>{d.emails.join(', ') || '–'}</td>
                    <td className="nowrap">{d.phones.join(', ') || '–'}</td>
                    <td>
                      {a
                        ? [a.lines.join(', '), [a.postalCode, a.city].filter(Boolean).join(' ')]
                            .filter(Boolean)
                            .join(', ')
                        : '–'}
                    </td>
                    <td>{warnings.length ? warnings.join('; ') : '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function Errors({ r }: { r: ImportResult }) {
  const { t, number } = useI18n();
  if (r.errors.length === 0) return null;
  return (
    <section aria-labelledby="errors-heading">
      <h2 id="errors-heading">{t('contactImport.errors', { n: number(r.rejected) })}</h2>
      <TableWrap label={t('contactImport.errors', { n: number(r.rejected) })}>
        <table className="import-errors">
          <thead>
            <tr>
              <th scope="col">{t('contactImport.row')}</th>
              <th scope="col">{t('contactImport.column')}</th>
              <th scope="col">{t('contactImport.value')}</th>
              <th scope="col">{t('contactImport.error')}</th>
            </tr>
          </thead>
          <tbody>
            {r.errors.slice(0, SHOWN_ERRORS).map((e) => (
              <tr key={`${e.row}|${e.column ?? ''}|${e.field ?? ''}|${e.error}`}>
                <td>{e.row}</td>
                <td>{e.column ?? '–'}</td>
                <td>
                  <code>{e.value ?? ''}</code>
                </td>
                <td lang="en">{e.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {r.errors.length > SHOWN_ERRORS && (
        <p className="hint">{t('contactImport.moreErrors', { n: SHOWN_ERRORS })}</p>
      )}
    </section>
  );
}

function Stats({ r }: { r: ImportResult }) {
  const { t, number } = useI18n();
  if (!r.stats) return null;
  const s = r.stats;
  const facts: [MessageKey, number][] = [
    ['contactImport.stats.received', s.received],
    ['contactImport.stats.created', s.created],
    ['contactImport.stats.updated', s.updated],
    ['contactImport.stats.unchanged', s.unchanged],
    ['contactImport.stats.profilesCreated', s.profilesCreated],
    ['contactImport.stats.joined', s.joined],
    ['contactImport.stats.merged', s.merged],
    ['contactImport.stats.conflicts', s.conflicts],
    ['contactImport.stats.suppressed', s.suppressed],
    ['contactImport.stats.consents', s.consents],
  ];
  return (
    <section aria-labelledby="stats-heading" className="card">
      <h2 id="stats-heading">{t('contactImport.done', { source: r.source })}</h2>
      <dl className="facts summary">
        {facts.map(([k, v]) => (
          <div className="fact" key={k}>
            <dt>{t(k)}</dt>
            <dd data-fact={k}>{number(v)}</dd>
          </div>
        ))}
      </dl>
      <p>
        <Link to="/profiles">{t('contactImport.findPeople')}</Link>
      </p>
    </section>
  );
}

/** Contact lists from spreadsheets: preview (dry run) with the column mapping, then import into a source. */
export function ContactImport() {
  const { t } = useI18n();
  usePageTitle('contactImport.title');
  const id = useId();
  const sources = useLoad<{ sources: PersonSource[] }>('/api/sources');
  const csvSources = (sources.data?.sources ?? []).filter((s) => s.kind === 'csv');
  const [choice, setChoice] = useState('');
  const [newName, setNewName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [overrides, setOverrides] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'preview' | 'import' | null>(null);

  const selected = choice || (csvSources.length ? csvSources[0].name : NEW);
  const source = selected === NEW ? newName.trim() : selected;

  const sourceError = (): Error | null => {
    if (!source) return new Error(t('contactImport.sourceRequired'));
    if (!SOURCE_NAME.test(source)) return new Error(t('contactImport.sourceInvalid'));
    return null;
  };

  const runPreview = async (f: File | null, map: Record<string, string>) => {
    setError(null);
    setResult(null);
    if (!f) return setError(new Error(t('contactImport.fileRequired')));
    const bad = sourceError();
    if (bad) return setError(bad);
    setBusy('preview');
    try {
      setPreview(await api.upload<ImportResult>(contactsPath(source, map, true), f, 'text/csv'));
    } catch (err) {
      setPreview(null);
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const runImport = async () => {
    if (!file || !preview) return;
    setError(null);
    const bad = sourceError();
    if (bad) return setError(bad);
    setBusy('import');
    try {
      setResult(await api.upload<ImportResult>(contactsPath(source, overrides, false), file, 'text/csv'));
      setPreview(null);
      sources.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const changeField = (column: string, field: string) => {
    const next = { ...overrides, [column]: field };
    setOverrides(next);
    void runPreview(file, next);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void runPreview(file, overrides);
  };

  return (
    <>
      <h1>{t('contactImport.title')}</h1>
      <p className="lead">{t('contactImport.intro')}</p>
      <form onSubmit={submit} className="grid-form import-form">
        <div className="field">
          <label htmlFor={`${id}-source`}>{t('contactImport.source')}</label>
          <select
            id={`${id}-source`}
            value={selected}
            onChange={(e) => {
              setChoice(e.target.value);
              setPreview(null);
            }}
          >
            {csvSources.map((s) => (
              <option key={s.name} value={s.name}>
                {s.label && s.label !== s.name ? `${s.label} (${s.name})` : s.name}
                {s.records !== undefined ? ` – ${t('contactImport.records', { n: s.records })}` : ''}
              </option>
            ))}
            <option value={NEW}>{t('contactImport.newSource')}</option>
          </select>
        </div>
        {selected === NEW && (
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('contactImport.sourceName')}</label>
            <input
              id={`${id}-name`}
              required
              autoComplete="off"
              aria-describedby={`${id}-name-hint`}
              value={newName}
              onChange={(e) => setNewName(e.target.value)}
            />
            <p id={`${id}-name-hint`} className="hint">
              {t('contactImport.sourceNameHint')}
            </p>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-file`}>{t('contactImport.file')}</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,.txt,text/csv"
            aria-describedby={`${id}-file-hint`}
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              setOverrides({});
              setPreview(null);
              if (f) void runPreview(f, {});
            }}
          />
          <p id={`${id}-file-hint`} className="hint">
            {t('contactImport.fileHint')}
          </p>
        </div>
        <div className="wide actions">
          <button type="submit" disabled={busy !== null || !file}>
            {t('contactImport.previewAgain')}
          </button>
        </div>
      </form>
      <ErrorText error={error ?? sources.error} />
      <p aria-live="polite" className="hint">
        {busy === 'preview'
          ? t('contactImport.previewing')
          : busy === 'import'
            ? t('contactImport.importing')
            : ''}
      </p>
      {preview && (
        <section aria-labelledby="result-heading" className="card">
          <h2 id="result-heading">{t('contactImport.dryRun', { file: file?.name ?? '' })}</h2>
          <Summary r={preview} />
          <Mapping r={preview} overrides={overrides} onChange={changeField} disabled={busy !== null} />
          <Preview r={preview} />
          <Errors r={preview} />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy !== null || preview.accepted === 0}
              onClick={() => void runImport()}
            >
              {t('contactImport.import', { n: preview.accepted, source })}
            </button>
          </div>
        </section>
      )}
      {result && (
        <div role="status">
          <Stats r={result} />
          <Errors r={result} />
        </div>
      )}
    </>
  );
}
