import { describe, expect, it } from 'vitest';
import { validateResource } from '../../fhir/validate.ts';
import { AUDIT_ACTIONS } from './entry.ts';
import { auditEventBundle, parseAuditEventSearch, toAuditEvent } from './fhir.ts';
import { testRecord } from './testing.ts';

const errors = (r: unknown) => validateResource(r).filter((i) => i.severity === 'error');

describe('AuditEvent view', () => {
  it('maps a patient read to an R4 AuditEvent', () => {
    const ev = toAuditEvent(testRecord({ seq: 42 })) as any;
    expect(ev).toMatchObject({
      resourceType: 'AuditEvent',
      id: '42',
      type: {
        system: 'http://dicom.nema.org/resources/ontology/DCM',
        code: '110110',
        display: 'Patient Record',
      },
      action: 'R',
      recorded: '2026-03-29T12:30:00.000Z',
      outcome: '0',
      source: { observer: { display: 'Patient Outreach' } },
    });
    expect(ev.subtype).toEqual([
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' },
      { system: 'https://patient-outreach.dev/fhir/CodeSystem/audit-action', code: 'read', display: 'read' },
    ]);
    expect(ev.agent[0]).toMatchObject({
      who: { identifier: { value: 'u-1' }, display: 'Åsa Öberg' },
      role: [{ text: 'clinical' }],
      requestor: true,
      network: { address: '10.0.0.7', type: '2' },
      extension: [
        { url: 'https://patient-outreach.dev/fhir/StructureDefinition/care-unit', valueString: 'vc-ekhagen' },
      ],
    });
    expect(ev.agent[1]).toMatchObject({ who: { display: 'Mozilla/5.0' }, requestor: false });
    // The Patient resource read is the patient entity itself: listed once.
    expect(ev.entity).toEqual([
      {
        what: { reference: 'Patient/p1' },
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '1',
          display: 'Person',
        },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      },
    ]);
    expect(ev.purposeOfEvent).toBeUndefined();
    expect(errors(ev)).toEqual([]);
    // The validator does look: a wrong action code or a missing source is refused.
    expect(errors({ ...ev, action: 'X' })).not.toEqual([]);
    expect(errors({ ...ev, source: undefined })).not.toEqual([]);
  });

  it('emergency access carries ETREAT and the stated reason', () => {
    const ev = toAuditEvent(
      testRecord({ action: 'emergency-access', emergency: true, purpose: 'medvetslös patient' }),
    ) as any;
    expect(ev.purposeOfEvent).toEqual([
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: 'ETREAT',
            display: 'Emergency Treatment',
          },
        ],
        text: 'medvetslös patient',
      },
    ]);
    expect(ev.action).toBe('E');
    expect(errors(ev)).toEqual([]);
  });

  it('a search lists every patient returned, its resources and the query', () => {
    const ev = toAuditEvent(
      testRecord({
        action: 'search',
        resourceType: 'Observation',
        resourceIds: ['o1', 'o2'],
        patientIds: ['p1', 'p2'],
        detail: 'Observation?code=4548-4',
      }),
    ) as any;
    expect(ev.action).toBe('E');
    expect(ev.subtype[0].code).toBe('search-type');
    expect(ev.entity.map((e: any) => e.what?.reference ?? e.role.code)).toEqual([
      'Patient/p1',
      'Patient/p2',
      'Observation/o1',
      'Observation/o2',
      '24',
    ]);
    expect(Buffer.from(ev.entity[4].query, 'base64').toString()).toBe('Observation?code=4548-4');
    expect(errors(ev)).toEqual([]);
  });

  it('every action, outcome and odd value gives a valid AuditEvent', () => {
    for (const action of AUDIT_ACTIONS)
      for (const outcome of ['success', 'denied', 'error'] as const) {
        const ev = toAuditEvent(
          testRecord({
            action,
            outcome,
            actorKind: 'anonymous',
            actorId: 'anonymous',
            role: '',
            careUnits: [],
            resourceType: action.startsWith('sign') ? null : 'User',
            resourceIds: action.startsWith('sign') ? [] : ['8f0e not a fhir id'],
            patientIds: action.startsWith('sign') ? [] : ['p1'],
            ip: null,
            client: null,
            detail: 'why',
            purpose: 'because',
          }),
        ) as any;
        expect(errors(ev), `${action}/${outcome}`).toEqual([]);
        expect(ev.outcome).toBe({ success: '0', denied: '4', error: '8' }[outcome]);
      }
    const signIn = toAuditEvent(
      testRecord({ action: 'sign-in', patientIds: [], resourceType: null, resourceIds: [] }),
    ) as any;
    expect(signIn.type.code).toBe('110114');
    expect(signIn.subtype[0]).toMatchObject({ code: '110122', display: 'Login' });
    const admin = toAuditEvent(
      testRecord({ action: 'administer', patientIds: [], resourceType: 'User', resourceIds: ['u2'] }),
    ) as any;
    expect(admin.type).toMatchObject({ code: 'rest' });
    expect(admin.entity[0].what).toMatchObject({ identifier: { value: 'u2' } });
    const failed = toAuditEvent(testRecord({ outcome: 'denied', detail: 'outside care units' })) as any;
    expect(failed.outcomeDesc).toBe('outside care units');
  });

  it('parses patient, agent, date, action and _count; refuses the rest', () => {
    const { filter } = parseAuditEventSearch([
      ['patient', 'Patient/p1,p2'],
      ['agent', 'u-1'],
      ['date', 'ge2026-01-01'],
      ['date', 'lt2026-02-01'],
      ['action', 'C,D'],
      ['_count', '5000'],
    ]);
    expect(filter).toMatchObject({
      patients: ['p1', 'p2'],
      actors: ['u-1'],
      actions: ['create', 'delete'],
      limit: 1000,
      from: new Date('2026-01-01T00:00:00.000Z'),
      to: new Date('2026-02-01T00:00:00.000Z'),
    });
    const eq = parseAuditEventSearch([['date', '2026-01-15']]).filter;
    expect([eq.from?.toISOString(), eq.to?.toISOString()]).toEqual([
      '2026-01-15T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
    const le = parseAuditEventSearch([['date', 'le2026-01-15']]).filter;
    expect(le.to?.toISOString()).toBe('2026-01-16T00:00:00.000Z');
    expect(parseAuditEventSearch([['action', 'R']]).filter.actions).toEqual(['read', 'export']);
    expect(() => parseAuditEventSearch([['action', 'X']])).toThrow(/use C, R, U, D or E/);
    expect(() => parseAuditEventSearch([['date', 'ge2026-13']])).toThrow(/not a FHIR date/);
    expect(() => parseAuditEventSearch([['entity', 'x']])).toThrow(/cannot be searched by 'entity'/);
    expect(parseAuditEventSearch([['entity', 'x']], true).filter.patients).toBeUndefined();
  });

  it('bundles a page as a searchset with self and next links', () => {
    const bundle = auditEventBundle(
      [testRecord({ seq: 9 }), testRecord({ seq: 7 })],
      true,
      'http://h/fhir/R4',
      [
        ['patient', 'p1'],
        ['_before', '10'],
      ],
    ) as any;
    expect(bundle.link).toEqual([
      { relation: 'self', url: 'http://h/fhir/R4/AuditEvent?patient=p1&_before=10' },
      { relation: 'next', url: 'http://h/fhir/R4/AuditEvent?patient=p1&_before=7' },
    ]);
    expect(bundle.entry[0].fullUrl).toBe('http://h/fhir/R4/AuditEvent/9');
    expect(errors(bundle)).toEqual([]);
  });
});
