import { isMessageKey, type MessageKey, useI18n } from '../i18n/index.tsx';
import type { ClinicalItem, ClinicalSummary, KeyObservation } from '../types.ts';
import { observationValue } from './patientLabels.ts';
import { Sparkline } from './Sparkline.tsx';

const OBS_LABEL: Record<string, MessageKey> = {
  hba1c: 'obs.hba1c',
  bloodPressure: 'obs.bloodPressure',
  bmi: 'obs.bmi',
  weight: 'obs.weight',
  ldl: 'obs.ldl',
};

const TREND: Record<NonNullable<KeyObservation['trend']>, { arrow: string; label: MessageKey }> = {
  up: { arrow: '↑', label: 'obs.trend.up' },
  down: { arrow: '↓', label: 'obs.trend.down' },
  same: { arrow: '→', label: 'obs.trend.same' },
};

function Observation({ o }: { o: KeyObservation }) {
  const { t, date, number } = useI18n();
  if (!o.latest) return null;
  const label = OBS_LABEL[o.key] ? t(OBS_LABEL[o.key]) : o.label;
  const first = o.series[0];
  const chart =
    o.series.length > 1
      ? t('obs.chart', {
          what: label,
          n: o.series.length,
          from: date(first.at),
          fromValue: observationValue(first, number),
          to: date(o.latest.at),
          toValue: observationValue(o.latest, number),
        })
      : t('obs.chartOne', { what: label, value: observationValue(o.latest, number) });
  return (
    <li className="obs" data-observation={o.key}>
      <h4>{label}</h4>
      <p className="obs-value">
        <span className="value">{observationValue(o.latest, number)}</span>
        {o.trend && (
          <span className={`trend ${o.trend}`} title={t(TREND[o.trend].label)}>
            <span aria-hidden="true"> {TREND[o.trend].arrow}</span>
            <span className="visually-hidden"> ({t(TREND[o.trend].label)})</span>
          </span>
        )}
      </p>
      <p className="hint">{t('obs.measured', { at: date(o.latest.at), n: o.series.length })}</p>
      <Sparkline series={o.series} label={chart} />
    </li>
  );
}

function Items({
  title,
  items,
  when,
  id,
}: {
  title: MessageKey;
  items: ClinicalItem[];
  when: 'since' | 'at';
  id: string;
}) {
  const { t, date, dateTime } = useI18n();
  const status = (s: string | null) => {
    if (!s) return '';
    const key = `status.${s}`;
    return isMessageKey(key) ? t(key) : s;
  };
  return (
    <section aria-labelledby={id} className="clinical-list">
      <h3 id={id}>
        {t(title)} <span className="count">({items.length})</span>
      </h3>
      {items.length === 0 ? (
        <p className="hint">{t('clinical.none')}</p>
      ) : (
        <ul className="plain">
          {items.map((i) => (
            <li key={i.id}>
              <span className="item-text">{i.text}</span>
              {i.date && (
                <span className="hint">
                  {' '}
                  · {when === 'at' ? dateTime(i.date) : t('clinical.since', { date: date(i.date) })}
                </span>
              )}
              {i.status && i.status !== 'active' && <span className="badge">{status(i.status)}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What a care coordinator glances at before calling: active conditions, key values with trends, medicines, allergies, what is booked. */
export function ProfileClinical({ clinical }: { clinical: ClinicalSummary }) {
  const { t } = useI18n();
  const observations = clinical.observations.filter((o) => o.latest);
  return (
    <section className="card" id="clinical" aria-labelledby="clinical-summary-heading">
      <h2 id="clinical-summary-heading">{t('clinicalSummary.title')}</h2>
      <section aria-labelledby="key-obs-heading">
        <h3 id="key-obs-heading">{t('clinicalSummary.observations')}</h3>
        {observations.length === 0 ? (
          <p className="hint">{t('clinical.none')}</p>
        ) : (
          <ul className="plain obs-tiles">
            {observations.map((o) => (
              <Observation key={o.key} o={o} />
            ))}
          </ul>
        )}
      </section>
      <div className="clinical-grid">
        <Items
          id="cs-conditions"
          title="clinicalSummary.conditions"
          items={clinical.conditions}
          when="since"
        />
        <Items id="cs-medications" title="clinical.medications" items={clinical.medications} when="since" />
        <Items id="cs-allergies" title="clinical.allergies" items={clinical.allergies} when="since" />
        <Items
          id="cs-appointments"
          title="clinicalSummary.appointments"
          items={clinical.appointments}
          when="at"
        />
        <Items id="cs-episodes" title="clinicalSummary.episodes" items={clinical.episodes} when="since" />
      </div>
    </section>
  );
}
