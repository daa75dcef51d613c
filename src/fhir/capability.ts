import { RESOURCE_TYPES } from './definitions.ts';
import { searchParamsOf } from './search-params.ts';

const KIND_TO_TYPE: Record<string, string> = {
  token: 'token',
  reference: 'reference',
  string: 'string',
  date: 'date',
  quantity: 'quantity',
  number: 'number',
  uri: 'uri',
};

/** The CapabilityStatement: generated from the same tables the server runs on, so it cannot drift. */
export function capabilityStatement(base: string, version: string, now: Date): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: now.toISOString(),
    kind: 'instance',
    software: { name: 'Patient Outreach', version },
    implementation: { description: 'Patient Outreach clinical data store', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          description:
            'Every request but this CapabilityStatement needs Authorization: Bearer <token> (`outreach token create`) or a signed-in session; what a caller may read and write follows their role and care units (docs/access-control.md). Every access to patient data is audited; the audit trail is readable as AuditEvent.',
        },
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        operation: [
          { name: 'import', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/import' },
        ],
        resource: [
          ...RESOURCE_TYPES.filter((type) => type !== 'AuditEvent').map((type) => {
            const params = [...searchParamsOf(type).values()];
            return {
              type,
              versioning: 'versioned-update',
              readHistory: true,
              updateCreate: true,
              conditionalCreate: true,
              conditionalUpdate: true,
              conditionalDelete: 'not-supported',
              interaction: [
                'read',
                'vread',
                'update',
                'delete',
                'history-instance',
                'history-type',
                'create',
                'search-type',
              ].map((code) => ({ code })),
              searchInclude: params.filter((p) => p.kind === 'reference').map((p) => `${type}:${p.name}`),
              searchParam: [
                { name: '_id', type: 'token' },
                { name: '_lastUpdated', type: 'date' },
                ...params.map((p) => ({
                  name: p.name,
                  type: KIND_TO_TYPE[p.kind],
                  documentation: `path: ${p.paths.join(' | ')}`,
                })),
              ],
              ...(type === 'Patient'
                ? {
                    operation: [
                      {
                        name: 'everything',
                        definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
                      },
                    ],
                  }
                : {}),
            };
          }),
          // The audit trail, read-only: written by the server, never through the API.
          {
            type: 'AuditEvent',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              { name: 'patient', type: 'reference' },
              { name: 'agent', type: 'reference' },
              { name: 'date', type: 'date' },
              { name: 'action', type: 'token' },
              { name: '_count', type: 'number' },
            ],
          },
        ],
      },
    ],
  };
}
