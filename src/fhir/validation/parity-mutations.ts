// Systematic invalid variants of valid resources, for the parity test of the compiled validator
// against medplum's: each mutation breaks one FHIR rule (or tries to) at a chosen place.
// Deterministic: the same inputs and seed give the same mutants.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

export interface Mutant {
  label: string;
  resource: Obj;
}

interface Site {
  parent: Obj | Json[];
  key: string | number;
  value: Json;
  path: string;
}

/** Mutants of one resource: a few sites of each kind, chosen by a seeded generator. */
export function mutate(input: Record<string, unknown>, seed: number, perKind = 2): Mutant[] {
  const resource = input as Obj;
  const random = mulberry32(seed);
  const out: Mutant[] = [];
  const add = (label: string, change: (copy: Obj) => boolean | undefined): void => {
    const copy = structuredClone(resource);
    if (change(copy) !== false) out.push({ label, resource: copy });
  };
  const sites = (copy: Obj, filter: (s: Site) => boolean): Site[] => collect(copy).filter(filter);
  const pickSites = (filter: (s: Site) => boolean): number[] => {
    const count = sites(structuredClone(resource), filter).length;
    const picks = new Set<number>();
    for (let i = 0; i < Math.min(perKind, count); i++) picks.add(Math.floor(random() * count));
    return [...picks];
  };
  const each = (label: string, filter: (s: Site) => boolean, change: (s: Site) => void): void => {
    for (const n of pickSites(filter)) {
      add(`${label}`, (copy) => {
        const site = sites(copy, filter)[n];
        change(site);
        return undefined;
      });
    }
  };
  const set = (s: Site, v: Json | undefined): void => {
    if (v === undefined) {
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
    } else {
      (s.parent as Record<string | number, Json>)[s.key] = v;
    }
  };
  const isString = (s: Site) => typeof s.value === 'string' && s.key !== 'resourceType';
  const isObject = (s: Site) => isObj(s.value);

  each(
    'delete element',
    (s) => s.key !== 'resourceType' && !Array.isArray(s.parent),
    (s) => set(s, undefined),
  );
  each('string -> number', isString, (s) => set(s, 42));
  each(
    'number -> string',
    (s) => typeof s.value === 'number',
    (s) => set(s, String(s.value)),
  );
  each(
    'number -> decimal',
    (s) => typeof s.value === 'number',
    (s) => set(s, (s.value as number) + 0.5),
  );
  each(
    'number -> negative',
    (s) => typeof s.value === 'number',
    (s) => set(s, -1 - (s.value as number)),
  );
  each(
    'boolean -> string',
    (s) => typeof s.value === 'boolean',
    (s) => set(s, 'true'),
  );
  each(
    'date -> bad format',
    (s) => isString(s) && /^\d{4}-\d\d/.test(s.value as string),
    (s) => set(s, (s.value as string).replace(/^(\d{4})-\d\d/, '$1-13')),
  );
  each(
    'date -> impossible day',
    (s) => isString(s) && /^\d{4}-\d\d-\d\d/.test(s.value as string),
    (s) => set(s, (s.value as string).replace(/^(\d{4})-\d\d-\d\d/, '$1-02-30')),
  );
  each(
    'dateTime -> no zone',
    (s) => isString(s) && /^\d{4}-\d\d-\d\dT/.test(s.value as string),
    (s) => set(s, (s.value as string).slice(0, 19)),
  );
  each(
    'single -> array',
    (s) => !Array.isArray(s.value) && !Array.isArray(s.parent) && s.key !== 'resourceType',
    (s) => set(s, [s.value]),
  );
  each(
    'array -> single',
    (s) => Array.isArray(s.value) && s.value.length > 0,
    (s) => set(s, (s.value as Json[])[0]),
  );
  each('object -> string', isObject, (s) => set(s, 'text'));
  each('string -> object', isString, (s) => set(s, { text: s.value }));
  each('unknown property', isObject, (s) => {
    (s.value as Obj).unknownThing = 1;
  });
  each(
    'bad choice suffix',
    (s) => isObj(s.value) && Object.keys(s.value).some((k) => /^value[A-Z]/.test(k)),
    (s) => {
      (s.value as Obj).valueFoo = 'x';
    },
  );
  each('empty string', isString, (s) => set(s, ''));
  each('whitespace string', isString, (s) => set(s, '   '));
  each('padded string', isString, (s) => set(s, ` ${s.value} `));
  each('double space', isString, (s) => set(s, `${s.value}  x`));
  each('empty object', isObject, (s) => set(s, {}));
  each(
    'empty array',
    (s) => Array.isArray(s.value),
    (s) => set(s, []),
  );
  each(
    'empty object in array',
    (s) => Array.isArray(s.value) && s.value.some(isObj),
    (s) => {
      (s.value as Json[]).push({});
    },
  );
  each(
    'empty string in array',
    (s) => Array.isArray(s.value) && s.value.some((v) => typeof v === 'string'),
    (s) => {
      (s.value as Json[]).push('');
    },
  );
  each(
    'null',
    (s) => s.key !== 'resourceType',
    (s) => set(s, null),
  );
  each(
    'primitive extension',
    (s) => typeof s.value === 'string' && !Array.isArray(s.parent) && s.key !== 'resourceType',
    (s) => {
      (s.parent as Obj)[`_${s.key}`] = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
    },
  );
  each(
    'bad primitive extension',
    (s) => typeof s.value === 'string' && !Array.isArray(s.parent) && s.key !== 'resourceType',
    (s) => {
      (s.parent as Obj)[`_${s.key}`] = { foo: 1 };
    },
  );
  each(
    'bad code',
    (s) => s.key === 'status' || s.key === 'gender' || s.key === 'use' || s.key === 'intent',
    (s) => set(s, 'bogus-code'),
  );
  each(
    'bad coding code',
    (s) => s.key === 'code' && typeof s.value === 'string',
    (s) => set(s, 'no such code'),
  );
  each(
    'bad id',
    (s) => s.key === 'id',
    (s) => set(s, 'bad id!'),
  );
  each(
    'long id',
    (s) => s.key === 'id',
    (s) => set(s, 'x'.repeat(65)),
  );
  each(
    'reference to wrong type',
    (s) => s.key === 'reference' && typeof s.value === 'string',
    (s) => set(s, 'Basic/123'),
  );
  each(
    'contained reference',
    (s) => s.key === 'reference' && typeof s.value === 'string',
    (s) => set(s, '#nope'),
  );
  each(
    'extension with value and children',
    (s) => s.key === 'extension' && Array.isArray(s.value),
    (s) => {
      (s.value as Json[]).push({
        url: 'http://example.org/both',
        valueString: 'x',
        extension: [{ url: 'a', valueBoolean: true }],
      });
    },
  );
  each(
    'extension without url',
    (s) => s.key === 'extension' && Array.isArray(s.value),
    (s) => {
      (s.value as Json[]).push({ valueString: 'x' });
    },
  );
  each(
    'period start after end',
    (s) => isObj(s.value) && 'start' in s.value,
    (s) => {
      (s.value as Obj).end = '1900-01-01';
    },
  );
  each(
    'second choice variant',
    (s) => isObj(s.value) && Object.keys(s.value).some((k) => /^value[A-Z]/.test(k)),
    (s) => {
      const obj = s.value as Obj;
      if ('valueString' in obj) obj.valueBoolean = true;
      else obj.valueString = 'second';
    },
  );

  // Resource-level rules.
  add('root unknown property', (r) => {
    r.unknownRoot = 'x';
    return undefined;
  });
  add('root empty text', (r) => {
    r.text = { status: 'generated', div: '' };
    return undefined;
  });
  add('narrative', (r) => {
    r.text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
    return undefined;
  });
  add('contained invalid', (r) => {
    r.contained = [{ resourceType: 'Patient', id: 'c1', gender: 'robot', birthDate: '2020-13-01', foo: 1 }];
    return undefined;
  });
  add('contained in contained (dom-2)', (r) => {
    r.contained = [
      {
        resourceType: 'Basic',
        id: 'c1',
        code: { text: 'x' },
        contained: [{ resourceType: 'Basic', code: { text: 'y' } }],
      },
    ];
    return undefined;
  });
  add('contained with meta.versionId (dom-4)', (r) => {
    r.contained = [{ resourceType: 'Basic', id: 'c1', code: { text: 'x' }, meta: { versionId: '1' } }];
    return undefined;
  });
  add('contained without resourceType', (r) => {
    r.contained = [{ id: 'c1' }];
    return undefined;
  });
  add('contained unknown type', (r) => {
    r.contained = [{ resourceType: 'Nope', id: 'c1' }];
    return undefined;
  });
  if (resource.resourceType === 'Observation') {
    add('obs-6 value and dataAbsentReason', (r) => {
      r.dataAbsentReason = { text: 'unknown' };
      if (!Object.keys(r).some((k) => k.startsWith('value'))) r.valueString = 'x';
      return undefined;
    });
    add('obs-7 component code equals code', (r) => {
      r.valueString = 'x';
      r.component = [{ code: r.code, valueString: 'y' }];
      return undefined;
    });
    add('effective two variants', (r) => {
      r.effectivePeriod = { start: '2020-01-01' };
      r.effectiveDateTime = '2020-01-01';
      return undefined;
    });
    add('reference range without low/high/text (obs-3)', (r) => {
      r.referenceRange = [{ appliesTo: [{ text: 'x' }] }];
      return undefined;
    });
  }
  if (resource.resourceType === 'Patient') {
    add('pat-1 contact without details', (r) => {
      r.contact = [{ gender: 'male' }];
      return undefined;
    });
    add('contact period start after end', (r) => {
      r.contact = [{ name: { text: 'x' }, period: { start: '2020-01-01', end: '2019-01-01' } }];
      return undefined;
    });
    add('multipleBirth two variants', (r) => {
      r.multipleBirthBoolean = true;
      r.multipleBirthInteger = 2;
      return undefined;
    });
  }
  if (resource.resourceType === 'Condition') {
    add('con-3/con-4 abatement with active status', (r) => {
      r.abatementDateTime = '2020-01-01';
      r.clinicalStatus = {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      };
      return undefined;
    });
    add('con-1 stage without summary', (r) => {
      r.stage = [{ type: { text: 'x' } }];
      return undefined;
    });
  }
  add('bundle entry', (r) => {
    const bundle: Obj = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { ...r } }] };
    for (const k of Object.keys(r)) delete r[k];
    Object.assign(r, bundle);
    return undefined;
  });
  return out;
}

function collect(root: Obj): Site[] {
  const out: Site[] = [];
  const visit = (parent: Obj | Json[], key: string | number, value: Json, path: string): void => {
    out.push({ parent, key, value, path });
    if (Array.isArray(value))
      for (let i = 0; i < value.length; i++) visit(value, i, value[i], `${path}[${i}]`);
    else if (isObj(value)) for (const [k, v] of Object.entries(value)) visit(value, k, v, `${path}.${k}`);
  };
  for (const [k, v] of Object.entries(root)) visit(root, k, v, k);
  return out;
}

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
