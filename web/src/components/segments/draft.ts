import type { Definition, Segment } from '../../types.ts';

/** What the editor changes before saving: a segment's own fields and its definition. */
export interface Draft {
  name: string;
  description: string;
  kind: 'dynamic' | 'static';
  refreshMinutes?: number;
  definition: Definition;
}

export const EMPTY_DRAFT: Draft = {
  name: '',
  description: '',
  kind: 'dynamic',
  definition: { version: 1, root: { kind: 'and', children: [] } },
};

export const draftOf = (s: Segment): Draft => ({
  name: s.name,
  description: s.description,
  kind: s.kind,
  refreshMinutes: s.refreshMinutes ?? undefined,
  definition: s.definition,
});
