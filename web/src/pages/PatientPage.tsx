import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { ClinicalSection } from '../components/ClinicalSection.tsx';
import { EmergencyAccess } from '../components/EmergencyAccess.tsx';
import { ErrorText } from '../components/ErrorText.tsx';
import {
  addressLines,
  bundleResources,
  groupClinical,
  humanName,
  nextLink,
  otherIdentifiers,
  personnummer,
  telecoms,
} from '../fhir.ts';
import { type MessageKey, useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { Bundle, FhirResource } from '../types.ts';

const MAX_PAGES = 20;

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Every resource of the patient's compartment, following the Bundle's next links. */
async function everything(id: string): Promise<FhirResource[]> {
  let path: string | null = `/fhir/R4/Patient/${encodeURIComponent(id)}/$everything?_count=1000`;
  const all: FhirResource[] = [];
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const bundle: Bundle = await api.get<Bundle>(path);
    all.push(...bundleResources(bundle));
    path = nextLink(bundle);
  }
  return all;
}

const KNOWN: Record<string, MessageKey> = {
  male: 'gender.male',
  female: 'gender.female',
  other: 'gender.other',
  unknown: 'gender.unknown',
  phone: 'telecom.phone',
  email: 'telecom.email',
  sms: 'telecom.sms',
  fax: 'telecom.fax',
  home: 'telecom.home',
  work: 'telecom.work',
  mobile: 'telecom.mobile',
};

export function PatientPage() {
  const { id = '' } = useParams();
  const { t, date, number } = useI18n();
  usePageTitle('patient.title');
  const { can } = useSession();
  const clinicalAllowed = can('clinical:read');
  const [patient, setPatient] = useState<Record<string, any> | null>(null);
  const [clinical, setClinical] = useState<FhirResource[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [clinicalError, setClinicalError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [granted, setGranted] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload asks again after emergency access
  useEffect(() => {
    let live = true;
    setError(null);
    setClinicalError(null);
    setPatient(null);
    setClinical(null);
    api
      .get<Record<string, any>>(`/fhir/R4/Patient/${encodeURIComponent(id)}`)
      .then(async (p) => {
        if (!live) return;
        setPatient(p);
        // Roles without clinical:read never ask for clinical data.
        if (!clinicalAllowed) return;
        try {
          const resources = await everything(id);
          if (live) setClinical(resources);
        } catch (err) {
          if (live) setClinicalError(err);
        }
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [id, clinicalAllowed, reload]);

  const groups = useMemo(() => (clinical ? groupClinical(clinical, number) : null), [clinical, number]);
  const label = (code: unknown) =>
    typeof code === 'string' && KNOWN[code] ? t(KNOWN[code]) : String(code ?? '');

  const denied = [error, clinicalError].find((e) => e instanceof ApiError && e.careUnitDenied);
  const onGranted = () => {
    setGranted(true);
    setReload((n) => n + 1);
  };

  return (
    <>
      <p className="breadcrumb">
        <Link to="/patients">{t('patient.back')}</Link>
      </p>
      <h1>{patient ? humanName(patient) || t('patient.unnamed') : t('patient.title')}</h1>
      {granted && <p role="status">{t('emergency.granted')}</p>}
      {denied ? (
        <div className="notice">
          <p role="alert">{t('patient.otherUnit')}</p>
          {can('emergency:access') ? (
            <EmergencyAccess patientId={id} onGranted={onGranted} />
          ) : (
            <p>{t('patient.noEmergency')}</p>
          )}
        </div>
      ) : (
        <ErrorText error={error} />
      )}
      {!patient && !error && <p aria-live="polite">{t('common.loading')}</p>}
      {patient && (
        <section aria-labelledby="demographics-heading">
          <h2 id="demographics-heading">{t('patient.demographics')}</h2>
          <dl className="facts">
            <Fact term={t('patient.name')}>{humanName(patient)}</Fact>
            <Fact term={t('patient.birthDate')}>{date(patient.birthDate)}</Fact>
            <Fact term={t('patient.gender')}>{label(patient.gender)}</Fact>
            <Fact term={t('patient.personnummer')}>{personnummer(patient) || '–'}</Fact>
            {otherIdentifiers(patient).map((i) => (
              <Fact key={`${i.system}|${i.value}`} term={i.system || t('patient.identifier')}>
                {i.value}
              </Fact>
            ))}
            <Fact term={t('patient.address')}>
              {addressLines(patient).length ? addressLines(patient).map((a) => <div key={a}>{a}</div>) : '–'}
            </Fact>
            <Fact term={t('patient.telecom')}>
              {telecoms(patient).length
                ? telecoms(patient).map((c) => (
                    <div key={c.system + c.value}>
                      {[label(c.system), c.use && `(${label(c.use)})`].filter(Boolean).join(' ')}: {c.value}
                    </div>
                  ))
                : '–'}
            </Fact>
            {patient.deceasedBoolean || patient.deceasedDateTime ? (
              <Fact term={t('patient.deceased')}>
                {patient.deceasedDateTime ? date(patient.deceasedDateTime) : t('common.yes')}
              </Fact>
            ) : null}
          </dl>
        </section>
      )}
      {patient && clinicalAllowed && !denied && (
        <>
          {!clinical && !clinicalError && <p aria-live="polite">{t('common.loading')}</p>}
          <ErrorText error={clinicalError} />
          {groups && <ClinicalSection groups={groups} />}
        </>
      )}
    </>
  );
}
