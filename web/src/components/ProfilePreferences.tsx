import { type FormEvent, useId, useMemo, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Channel, Patient360, PreferencesInput } from '../types.ts';
import { ErrorText } from './ErrorText.tsx';
import { CHANNEL_LABEL, CHANNELS } from './patientLabels.ts';

/** Languages patients in Sweden commonly prefer; a stored value outside the list is kept as an option. */
const LANGUAGES = ['sv', 'en', 'fi', 'ar', 'so', 'fa', 'ti', 'pl', 'bs', 'ku', 'tr', 'uk', 'es', 'de'];

const DEFAULT_TIME_ZONE = 'Europe/Stockholm';
let zones: { id: string; label: string }[] | undefined;

/** The browser's IANA time zones, each with its offset now ("Europe/Helsinki (UTC+02:00)"). */
function timeZones(): { id: string; label: string }[] {
  if (zones) return zones;
  let ids: string[];
  try {
    ids = Intl.supportedValuesOf('timeZone');
  } catch {
    ids = [DEFAULT_TIME_ZONE];
  }
  const now = new Date();
  zones = ids.map((id) => {
    try {
      const offset = new Intl.DateTimeFormat('en', { timeZone: id, timeZoneName: 'longOffset' })
        .formatToParts(now)
        .find((p) => p.type === 'timeZoneName')?.value;
      return { id, label: offset ? `${id} (${offset.replace('GMT', 'UTC')})` : id };
    } catch {
      return { id, label: id };
    }
  });
  return zones;
}

export function useLanguageName(): (code: string | null | undefined) => string {
  const { lang } = useI18n();
  return useMemo(() => {
    const names = new Intl.DisplayNames([lang === 'sv' ? 'sv-SE' : 'en-GB'], { type: 'language' });
    return (code) => {
      if (!code) return '';
      try {
        const name = names.of(code) ?? code;
        return name.charAt(0).toLocaleUpperCase() + name.slice(1);
      } catch {
        return code;
      }
    };
  }, [lang]);
}

/** Language, preferred channel, time zone and do-not-contact: editable with patient:write, shown otherwise. */
export function ProfilePreferences({
  data,
  canWrite,
  onChanged,
}: {
  data: Patient360;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const languageName = useLanguageName();
  const p = data.profile;
  // Kept out of the form, which starts again from the saved values after each change.
  const [saved, setSaved] = useState(false);

  if (!canWrite)
    return (
      <section className="card" id="preferences" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>{t('prefs.title')}</h2>
        <dl className="record-data">
          <div>
            <dt>{t('prefs.language')}</dt>
            <dd>{languageName(p.language) || t('prefs.notSet')}</dd>
          </div>
          <div>
            <dt>{t('prefs.channel')}</dt>
            <dd>
              {p.preferredChannel && (CHANNELS as readonly string[]).includes(p.preferredChannel)
                ? t(CHANNEL_LABEL[p.preferredChannel as Channel])
                : t('prefs.notSet')}
            </dd>
          </div>
          <div>
            <dt>{t('prefs.timeZone')}</dt>
            <dd>{p.timeZone}</dd>
          </div>
          <div>
            <dt>{t('prefs.doNotContact')}</dt>
            <dd>{p.doNotContact ? t('common.yes') : t('common.no')}</dd>
          </div>
        </dl>
      </section>
    );

  return (
    <section className="card" id="preferences" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('prefs.title')}</h2>
      <PreferencesForm
        key={p.version}
        data={data}
        onSaving={() => setSaved(false)}
        onSaved={() => {
          setSaved(true);
          onChanged();
        }}
      />
      <p className="status" role="status">
        {saved ? t('prefs.saved') : ''}
      </p>
    </section>
  );
}

function PreferencesForm({
  data,
  onSaving,
  onSaved,
}: {
  data: Patient360;
  onSaving(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const languageName = useLanguageName();
  const p = data.profile;
  const [language, setLanguage] = useState(p.language ?? '');
  const [channel, setChannel] = useState(p.preferredChannel ?? '');
  const [timeZone, setTimeZone] = useState(p.timeZone || DEFAULT_TIME_ZONE);
  const [doNotContact, setDoNotContact] = useState(p.doNotContact);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const languages = language && !LANGUAGES.includes(language) ? [language, ...LANGUAGES] : LANGUAGES;
  const zoneList = useMemo(() => {
    const all = timeZones();
    // A stored zone the browser does not list (an alias such as UTC) stays choosable.
    return all.some((z) => z.id === p.timeZone) || !p.timeZone
      ? all
      : [{ id: p.timeZone, label: p.timeZone }, ...all];
  }, [p.timeZone]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    onSaving();
    setBusy(true);
    try {
      const body: PreferencesInput = {
        language: language || null,
        preferredChannel: (channel || null) as Channel | null,
        timeZone,
        doNotContact,
      };
      await api.patch(`/api/profiles/${encodeURIComponent(p.id)}/preferences`, body);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="stack">
      <label htmlFor={`${id}-language`}>{t('prefs.language')}</label>
      <select id={`${id}-language`} value={language} onChange={(e) => setLanguage(e.target.value)}>
        <option value="">{t('prefs.notSet')}</option>
        {languages.map((l) => (
          <option key={l} value={l}>
            {languageName(l)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-channel`}>{t('prefs.channel')}</label>
      <select id={`${id}-channel`} value={channel} onChange={(e) => setChannel(e.target.value)}>
        <option value="">{t('prefs.notSet')}</option>
        {CHANNELS.map((c) => (
          <option key={c} value={c}>
            {t(CHANNEL_LABEL[c])}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-time-zone`}>{t('prefs.timeZone')}</label>
      <select
        id={`${id}-time-zone`}
        value={timeZone}
        aria-describedby={`${id}-time-zone-hint`}
        onChange={(e) => setTimeZone(e.target.value)}
      >
        {zoneList.map((z) => (
          <option key={z.id} value={z.id}>
            {z.label}
          </option>
        ))}
      </select>
      <p id={`${id}-time-zone-hint`} className="hint">
        {t('prefs.timeZoneHint')}
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={doNotContact} onChange={(e) => setDoNotContact(e.target.checked)} />
        {t('prefs.doNotContactLong')}
      </label>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t('prefs.save')}
      </button>
    </form>
  );
}
