import { HSA_ID, type Resource, ref } from './fhir.ts';
import { deterministicUuid } from './ids.ts';
import { pickSwedishName } from './names.ts';
import { luhnCheckDigit } from './personnummer.ts';
import {
  formatPostalCode,
  MUNICIPALITIES,
  type Municipality,
  REGIONS,
  type Region,
  STREETS,
} from './places.ts';
import { Rng, Weighted } from './prng.ts';

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

// Organizations, locations and practitioners: the only data held in memory for a whole run.

export interface StaffMember {
  id: string;
  display: string;
}

export interface CareSite {
  orgId: string;
  locationId: string;
  name: string;
  doctors: StaffMember[];
  nurses: StaffMember[];
}

export interface RegionSites {
  region: Region;
  orgId: string;
  hospital: CareSite;
}

export interface ReferenceData {
  resources: Resource[];
  centresByMunicipality: Map<string, CareSite[]>;
  regions: Map<string, RegionSites>;
  municipalities: Weighted<Municipality>;
}

function hsaPrefix(region: Region): string {
  return `SE${region.orgBase}${luhnCheckDigit(region.orgBase)}`;
}

export function buildReferenceData(seed: string): ReferenceData {
  const rng = new Rng(`${seed}/reference`);
  const resources: Resource[] = [];
  const id = (name: string) => deterministicUuid(seed, name);
  let serial = 0;
  let practitioners = 0;
  const hsaLocal = () => (46_656 + ++serial * 7_919).toString(36).toUpperCase();

  const address = (town: string, postal: number, district?: string) => ({
    use: 'work',
    type: 'physical',
    line: [`${rng.pick(STREETS)} ${rng.int(1, 60)}`],
    city: town,
    ...(district ? { district } : {}),
    postalCode: formatPostalCode(postal),
    country: 'SE',
  });

  const staff = (
    region: Region,
    orgId: string,
    locationId: string,
    role: 'doctor' | 'nurse',
  ): StaffMember => {
    const male = rng.chance(role === 'doctor' ? 0.5 : 0.15);
    const name = pickSwedishName(rng, male);
    const pid = id(`Practitioner/${++practitioners}`);
    const title = role === 'doctor' ? 'Dr.' : undefined;
    const display = `${name.given[0]} ${name.family}`;
    resources.push({
      resourceType: 'Practitioner',
      id: pid,
      identifier: [{ use: 'official', system: HSA_ID, value: `${hsaPrefix(region)}-${hsaLocal()}` }],
      active: true,
      name: [
        { use: 'official', family: name.family, given: name.given, ...(title ? { prefix: [title] } : {}) },
      ],
      gender: male ? 'male' : 'female',
    });
    resources.push({
      resourceType: 'PractitionerRole',
      id: id(`PractitionerRole/${pid}`),
      active: true,
      practitioner: ref('Practitioner', pid, display),
      organization: ref('Organization', orgId),
      location: [ref('Location', locationId)],
      code: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
              code: role,
              display: role === 'doctor' ? 'Doctor' : 'Nurse',
            },
          ],
          text: role === 'doctor' ? 'Läkare' : 'Sjuksköterska',
        },
      ],
    });
    return { id: pid, display };
  };

  const site = (
    region: Region,
    regionOrgId: string,
    name: string,
    town: string,
    postal: number,
    kind: 'vc' | 'hospital',
    district?: string,
  ): CareSite => {
    const orgId = id(`Organization/${region.key}/${name}`);
    const locationId = id(`Location/${region.key}/${name}`);
    const addr = address(town, postal, district);
    resources.push({
      resourceType: 'Organization',
      id: orgId,
      identifier: [{ use: 'official', system: HSA_ID, value: `${hsaPrefix(region)}-${hsaLocal()}` }],
      active: true,
      type: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/organization-type',
              code: 'prov',
              display: 'Healthcare Provider',
            },
          ],
          text: kind === 'vc' ? 'Vårdcentral' : 'Sjukhus',
        },
      ],
      name,
      address: [addr],
      partOf: ref('Organization', regionOrgId, region.name),
    });
    resources.push({
      resourceType: 'Location',
      id: locationId,
      status: 'active',
      name,
      mode: 'instance',
      type: [
        {
          coding: [
            kind === 'vc'
              ? { system: ROLE_CODE, code: 'PC', display: 'primary care clinic' }
              : { system: ROLE_CODE, code: 'HOSP', display: 'Hospital' },
          ],
        },
      ],
      address: addr,
      physicalType: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
            code: 'bu',
            display: 'Building',
          },
        ],
      },
      managingOrganization: ref('Organization', orgId, name),
    });
    const doctorCount = kind === 'vc' ? rng.int(3, 7) : 8;
    const doctors = Array.from({ length: doctorCount }, () => staff(region, orgId, locationId, 'doctor'));
    const nurses = Array.from({ length: kind === 'vc' ? 2 : 3 }, () =>
      staff(region, orgId, locationId, 'nurse'),
    );
    return { orgId, locationId, name, doctors, nurses };
  };

  const regions = new Map<string, RegionSites>();
  for (const region of REGIONS) {
    const orgId = id(`Organization/${region.key}`);
    resources.push({
      resourceType: 'Organization',
      id: orgId,
      identifier: [{ use: 'official', system: HSA_ID, value: hsaPrefix(region) }],
      active: true,
      type: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/organization-type',
              code: 'govt',
              display: 'Government',
            },
          ],
          text: 'Region',
        },
      ],
      name: region.name,
    });
    const hospital = site(
      region,
      orgId,
      region.hospital,
      region.hospitalTown,
      region.hospitalPostal,
      'hospital',
    );
    regions.set(region.key, { region, orgId, hospital });
  }

  const centresByMunicipality = new Map<string, CareSite[]>();
  for (const mun of MUNICIPALITIES) {
    const regionSites = regions.get(mun.region)!;
    const sites = mun.centres.map((centre) =>
      site(
        regionSites.region,
        regionSites.orgId,
        `Vårdcentral ${centre}`,
        mun.postTown,
        rng.int(mun.postal[0], mun.postal[1]),
        'vc',
        mun.name,
      ),
    );
    centresByMunicipality.set(mun.name, sites);
  }

  return {
    resources,
    centresByMunicipality,
    regions,
    municipalities: new Weighted(MUNICIPALITIES.map((mun) => [mun, mun.population] as const)),
  };
}
