/**
 * The sections of the readable export, one per part of the JSON export
 * (export.ts PersonExport), in the same order and with the same content in words.
 */
import { checkOptIn } from '../consent/opt-in.ts';
import type { PersonExport } from '../export.ts';
import type { PostalAddress } from '../model.ts';
import type { RecordMatch } from '../unify/explain.ts';
import { type ClinicalDate, clinicalSections } from './clinical.ts';
import { humanize, plain } from './text.ts';
import type { Writer } from './writer.ts';

const FIELD_NAMES: Record<string, string> = {
  given: 'first name',
  family: 'last name',
  birthDate: 'birth date',
  personnummer: 'personnummer',
  emails: 'e-mail addresses',
  phones: 'phone numbers',
  address: 'address',
  addresses: 'other addresses',
  identifiers: 'identifiers',
};
const fieldName = (k: string) => FIELD_NAMES[k] ?? humanize(k);
const list = (xs: readonly string[] | undefined) => (xs?.length ? xs.join(', ') : null);
const yesNo = (b: boolean | undefined) => (b ? 'yes' : 'no');

export function addressText(a: PostalAddress): string {
  const town = [a.postalCode, a.city].filter(Boolean).join(' ');
  const country = a.country && a.country !== 'SE' ? a.country : null;
  return `${[...a.lines, town, country].filter(Boolean).join(', ')}${a.since ? ` (since ${a.since})` : ''}`;
}

const identifierText = (ids: ReadonlyArray<{ system: string; value: string }> | undefined) =>
  ids?.length ? ids.map((i) => `${i.value} (${i.system})`).join(', ') : null;

/** Fields a section shows by name; any other field of the object is still shown, in words. */
function rest(w: Writer, o: object, shown: readonly string[]): void {
  for (const [k, v] of Object.entries(o))
    if (!shown.includes(k) && v !== undefined) {
      const label = humanize(k);
      w.field(label.charAt(0).toUpperCase() + label.slice(1), plain(v));
    }
}

export function personSection(w: Writer, x: PersonExport): void {
  const p = x.profile;
  const g = p.golden;
  w.heading('Person');
  w.field('Name', [...(g.given ?? []), g.family].filter(Boolean).join(' '));
  w.field('Personnummer', g.personnummer);
  w.field('Birth date', g.birthDate);
  w.field('Gender', g.gender);
  w.field('Address', g.address ? addressText(g.address) : null);
  if (g.addresses?.length) w.field('Other addresses', g.addresses.map(addressText).join('; '));
  w.field('E-mail addresses', list(g.emails));
  w.field('Phone numbers', list(g.phones));
  if (g.identifiers?.length) w.field('Other identifiers', identifierText(g.identifiers));
  w.field('Deceased', yesNo(g.deceased));
  w.field('Language', p.language ?? g.language);
  w.field('Time zone', p.timeZone);
  w.field('Preferred channel', p.preferredChannel);
  w.field('Do not contact', yesNo(p.doNotContact));
  w.field('Processing restricted', p.restricted ? `yes (${p.restrictedReason ?? ''})` : 'no');
  w.field('Profile', `${p.id}, ${p.status}${p.mergedInto ? ` into ${p.mergedInto}` : ''}`);
  w.field('Created', w.when(p.createdAt));
  w.field('Last changed', `${w.when(p.updatedAt)} (version ${p.version})`);
  rest(w, p, [
    ...['id', 'status', 'mergedInto', 'golden', 'restricted', 'restrictedReason', 'doNotContact'],
    ...['language', 'timeZone', 'preferredChannel', 'createdAt', 'updatedAt', 'version'],
  ]);
  const bySource = new Map<string, string[]>();
  for (const [field, from] of Object.entries(g.provenance ?? {})) {
    const key = `${from.source} record ${from.externalId}`;
    bySource.set(key, [...(bySource.get(key) ?? []), fieldName(field)]);
  }
  if (bySource.size) {
    w.item('', 'Where these details come from:');
    for (const [from, fields] of bySource) w.detail(`${from}: ${fields.join(', ')}`);
  }
  rest(w, g, [
    ...['given', 'family', 'personnummer', 'birthDate', 'gender', 'address', 'addresses', 'emails'],
    ...['phones', 'identifiers', 'deceased', 'language', 'provenance'],
  ]);
}

export function contactPointsSection(w: Writer, x: PersonExport): void {
  w.heading(`Contact points (${x.contactPoints.length})`);
  if (x.contactPoints.length === 0) w.item('None.');
  for (const c of x.contactPoints) {
    const facts = [
      c.status,
      c.mobile ? 'mobile' : null,
      c.preferred ? 'preferred' : null,
      c.verifiedAt
        ? `verified ${w.when(c.verifiedAt)}${c.verifiedOwn ? ' as your own' : ''}`
        : 'not verified',
      c.sharedWith ? `shared with ${c.sharedWith} other profile${c.sharedWith === 1 ? '' : 's'}` : null,
      `from ${c.sources.join(', ') || 'manual entry'}`,
    ];
    w.item(` ${c.display} — ${facts.filter(Boolean).join(', ')}`, `${c.kind}:`);
    if (c.value !== c.display) w.detail(`stored as ${c.value}`);
    if (c.push) w.detail('push subscription keys held (p256dh, auth)');
    for (const f of c.failures) w.detail(`${w.when(f.at)} ${f.kind}: ${f.detail}`);
  }
}

function evidenceText(e: PersonExport['consentHistory'][number]['evidence'], when: Writer['when']): string {
  switch (e.kind) {
    case 'fhir-consent':
      return `EHR ${e.reference}`;
    case 'form':
      return `form ${e.form}${e.ip ? ` from ${e.ip}` : ''}`;
    case 'reply':
      return `${e.channel} reply "${e.text}" from ${e.from}`;
    case 'staff':
      return `staff note: ${e.note}`;
    case 'double-opt-in':
      return `confirmed by link ${when(e.confirmedAt)}${e.ip ? ` from ${e.ip}` : ''}`;
    case 'import':
      return `list ${e.source}${e.row ? ` row ${e.row}` : ''}`;
    default: {
      const never: never = e;
      return plain(never);
    }
  }
}

export function consentSection(w: Writer, x: PersonExport): void {
  w.heading(`Consent history (${x.consentHistory.length})`);
  if (x.consentHistory.length === 0) w.item('None.');
  for (const e of x.consentHistory) {
    const scope = `${e.purpose}/${e.channel ?? 'all channels'}${e.topic ? `/${e.topic}` : ''}`;
    w.item(
      ` ${scope}: ${e.objection ? 'objection (art. 21)' : e.state} — ${e.source}, ${evidenceText(e.evidence, w.when)}`,
      w.when(e.at),
    );
    w.detail(
      `for ${e.contactValue ?? 'every address of the channel'}; recorded ${w.when(e.recordedAt)} by ${e.actor}`,
    );
    const expires = (e as { expiresAt?: string }).expiresAt;
    if (expires) w.detail(`the confirmation link expires ${w.when(expires)}`);
  }
}

export function optInSection(w: Writer, x: PersonExport): void {
  w.heading(`E-mail confirmations, double opt-in (${x.optIns.length})`);
  if (x.optIns.length === 0) w.item('None.');
  const at = new Date(x.exportedAt);
  for (const o of x.optIns) {
    const check = checkOptIn(o, at);
    const outcome = check.ok
      ? `waiting for confirmation; the link expires ${w.when(o.expiresAt)}`
      : check.reason === 'already-confirmed'
        ? `confirmed ${w.when(o.confirmedAt)}`
        : `not confirmed; the link expired ${w.when(o.expiresAt)}`;
    w.item(
      ` — ${o.purpose}${o.topic ? `, topic ${o.topic}` : ', all topics'}; started ${w.when(o.createdAt)}; ${outcome}`,
      o.email,
    );
  }
}

function matchText(m: unknown, names: Map<string, string>, when: Writer['when']): string {
  const match = m as RecordMatch | null;
  if (!match) return 'the record this profile started from';
  const via = names.get(match.via) ?? `record ${match.via}`;
  const by = match.placedBy;
  if (by)
    return `placed here by a ${by.action} (${by.actor}, ${when(by.at)}${by.reason ? `: ${by.reason}` : ''}), beside ${via}`;
  const e = match.explanation;
  const fields = e?.fields?.map((f) => `${f.field} ${f.a} / ${f.b}`).join(', ');
  return `matched ${via} by rule ${match.rule} (score ${e?.score} of at least ${e?.threshold}${fields ? `; compared ${fields}` : ''})`;
}

export function sourceRecordsSection(w: Writer, x: PersonExport): void {
  w.heading(`Source records (${x.sourceRecords.length})`);
  if (x.sourceRecords.length === 0) w.item('None.');
  const names = new Map(x.sourceRecords.map((r) => [r.id, `${r.source} record ${r.externalId}`]));
  for (const r of x.sourceRecords) {
    const flags = [r.deleted ? 'deleted at the source' : null, r.suppressed ? 'suppressed' : null];
    w.item(
      ` (${r.sourceKind}), received ${w.when(r.receivedAt)}, updated ${w.when(r.updatedAt)}${flags.some(Boolean) ? `; ${flags.filter(Boolean).join(', ')}` : ''}`,
      `${r.source} record ${r.externalId}`,
    );
    const d = r.data;
    if (!d) w.detail('no data held');
    else {
      const facts: Array<[string, string | null | undefined]> = [
        ['name', [...d.given, d.family].filter(Boolean).join(' ')],
        ['personnummer', d.personnummer],
        ['birth date', d.birthDate],
        ['gender', d.gender],
        ['e-mail', list(d.emails)],
        ['phone', list(d.phones)],
        ['address', d.addresses.length ? d.addresses.map(addressText).join('; ') : null],
        ['language', d.language],
        ['identifiers', identifierText(d.identifiers)],
        ['deceased', d.deceased === undefined ? null : yesNo(d.deceased)],
        ['changed at the source', w.when(d.updatedAt)],
      ];
      for (const [label, v] of facts) if (v) w.detail(`${label}: ${v}`);
      const known = ['source', 'externalId', 'updatedAt', 'personnummer', 'identifiers', 'given', 'family'];
      const more = ['birthDate', 'gender', 'emails', 'phones', 'addresses', 'language', 'deceased'];
      for (const [k, v] of Object.entries(d))
        if (![...known, ...more].includes(k) && v !== undefined) w.detail(`${humanize(k)}: ${plain(v)}`);
    }
    w.detail(`how it was linked: ${matchText(r.match, names, w.when)}`);
  }
}

export function historySection(w: Writer, x: PersonExport): void {
  w.heading(`Profile history (${x.profileHistory.length})`);
  if (x.profileHistory.length === 0) w.item('None.');
  const names = new Map(x.sourceRecords.map((r) => [r.id, `${r.source} record ${r.externalId}`]));
  for (const h of x.profileHistory) {
    w.item(` ${h.kind} by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`, w.when(h.at));
    if (h.otherProfiles.length) w.detail(`other profiles: ${h.otherProfiles.join(', ')}`);
    if (h.recordIds.length) w.detail(`records: ${h.recordIds.map((id) => names.get(id) ?? id).join(', ')}`);
    if (h.detail !== null && h.detail !== undefined) w.detail(`details: ${plain(h.detail)}`);
  }
}

function dateText(d: ClinicalDate, when: Writer['when'], first: boolean): string {
  const { value: start, end } = d;
  const v =
    end === undefined
      ? when(start)
      : start && end
        ? `${when(start)} – ${when(end)}`
        : start
          ? `from ${when(start)}`
          : `until ${when(end)}`;
  return first && d.label === 'date' ? v : `${d.label} ${v}`;
}

export function clinicalSection(w: Writer, x: PersonExport): void {
  w.heading(`Clinical data held (${x.clinicalResources.length} FHIR resources)`);
  w.note(
    'A copy of parts of your medical record, held to plan invitations and reminders; your care provider keeps the record itself. Newest first.',
  );
  if (x.clinicalResources.length === 0) w.item('None.');
  for (const s of clinicalSections(x.clinicalResources)) {
    w.subheading(`${s.title} (${s.type}, ${s.lines.length})`);
    for (const l of s.lines) {
      const dates = l.dates.map((d, i) => dateText(d, w.when, i === 0)).join(', ') || 'no date';
      const facts = [l.status ? `Status: ${l.status}.` : null, l.code ? `Code: ${l.code}.` : null];
      const extra = l.extra.length ? ` ${l.extra.join('; ')}.` : '';
      w.item(
        ` — ${l.text}${l.value ? `: ${l.value}` : ''}. ${facts.filter(Boolean).join(' ')}${extra}`.trimEnd(),
        dates,
      );
    }
  }
}
