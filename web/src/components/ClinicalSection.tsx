import { CLINICAL_GROUPS, type ClinicalGroup, type ClinicalRow } from '../fhir.ts';
import { isMessageKey, type MessageKey, useI18n } from '../i18n/index.tsx';

const TITLE: Record<ClinicalGroup, MessageKey> = {
  conditions: 'clinical.conditions',
  observations: 'clinical.observations',
  medications: 'clinical.medications',
  encounters: 'clinical.encounters',
  immunizations: 'clinical.immunizations',
  allergies: 'clinical.allergies',
  procedures: 'clinical.procedures',
};

const WHAT: Record<ClinicalGroup, MessageKey> = {
  conditions: 'clinical.condition',
  observations: 'clinical.observation',
  medications: 'clinical.medication',
  encounters: 'clinical.encounter',
  immunizations: 'clinical.vaccine',
  allergies: 'clinical.substance',
  procedures: 'clinical.procedure',
};

/** The patient's clinical resources, grouped, newest first. */
export function ClinicalSection({ groups }: { groups: Record<ClinicalGroup, ClinicalRow[]> }) {
  const { t, date } = useI18n();
  const statusLabel = (code: string) => {
    const key = `status.${code}`;
    return isMessageKey(key) ? t(key) : code;
  };
  return (
    <section aria-labelledby="clinical-heading" className="clinical">
      <h2 id="clinical-heading">{t('clinical.title')}</h2>
      {CLINICAL_GROUPS.map((g) => (
        <section key={g} aria-labelledby={`clinical-${g}`} data-group={g}>
          <h3 id={`clinical-${g}`}>
            {t(TITLE[g])} <span className="count">({groups[g].length})</span>
          </h3>
          {groups[g].length === 0 ? (
            <p className="hint">{t('clinical.none')}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col" className="col-date">
                      {t('clinical.date')}
                    </th>
                    <th scope="col">{t(WHAT[g])}</th>
                    <th scope="col">{t(g === 'observations' ? 'clinical.value' : 'clinical.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {groups[g].map((row) => (
                    <tr key={row.id}>
                      <td>{date(row.date)}</td>
                      <td>{row.what}</td>
                      <td>{g === 'observations' ? row.value : statusLabel(row.status)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </section>
  );
}
