import { ACT_CODE, CONTACT_CHANNEL, LOINC, type Resource, ref } from './fhir.ts';
import type { ContactPoints } from './patient.ts';
import type { Person } from './person.ts';
import { DAY, dateTime, YEAR } from './time.ts';

const CHANNELS = [
  { key: 'phone', code: 'sms', display: 'SMS' },
  { key: 'email', code: 'email', display: 'E-post' },
] as const;

/**
 * One Consent per contact channel the patient has. Only status "active" with provision
 * "permit" means the patient may be contacted on that channel; "inactive" is a withdrawn
 * consent and "rejected" one that was never valid.
 */
export function addContactConsents(p: Person, contacts: ContactPoints, out: Resource[]): void {
  const { rng } = p;
  if (p.age < 16) return;
  for (const channel of CHANNELS) {
    if (!contacts[channel.key]) continue;
    const roll = rng.next();
    const [status, permit] =
      roll < 0.82
        ? ['active', true]
        : roll < 0.9
          ? ['active', false]
          : roll < 0.95
            ? ['inactive', true]
            : ['rejected', true];
    const at = Math.max(
      p.birthMs + 16 * YEAR,
      p.historyStartMs + rng.next() * (p.endMs - p.historyStartMs) - DAY,
    );
    out.push({
      resourceType: 'Consent',
      id: p.newId('Consent'),
      status,
      scope: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/consentscope',
            code: 'patient-privacy',
            display: 'Privacy Consent',
          },
        ],
      },
      category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }],
      patient: ref('Patient', p.id),
      dateTime: dateTime(Math.min(at, p.endMs)),
      performer: [ref('Patient', p.id)],
      organization: [ref('Organization', p.centre.orgId, p.centre.name)],
      policyRule: { coding: [{ system: ACT_CODE, code: permit ? 'OPTIN' : 'OPTOUT' }] },
      provision: {
        type: permit ? 'permit' : 'deny',
        period: { start: dateTime(Math.min(at, p.endMs)) },
        action: [
          {
            coding: [{ system: CONTACT_CHANNEL, code: channel.code, display: channel.display }],
            text: channel.display,
          },
        ],
      },
    });
  }
}
