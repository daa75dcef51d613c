import { createContext, type ReactNode, useContext, useMemo } from 'react';
import type { CareUnit, CodeSystem, Segment, SegmentList } from '../../types.ts';
import { useLoad } from '../../useLoad.ts';
import type { ShownProblem } from './problems.ts';
import type { Names } from './rules.ts';

/** What every card may need: code systems, other segments and lists to pick, the problems to show. */
export interface BuilderData {
  systems: CodeSystem[];
  segments: Segment[];
  lists: SegmentList[];
  careUnits: CareUnit[];
  names: Names;
  /** The segment being edited (it cannot nest itself). */
  selfId?: string;
  problems: ShownProblem[];
  reloadLists(): void;
}

const Context = createContext<BuilderData | null>(null);

export function useBuilderData(): BuilderData {
  const ctx = useContext(Context);
  if (!ctx) throw new Error('useBuilderData outside BuilderDataProvider');
  return ctx;
}

export function BuilderDataProvider({
  selfId,
  problems,
  children,
}: {
  selfId?: string;
  problems: ShownProblem[];
  children: ReactNode;
}) {
  const systems = useLoad<{ systems: CodeSystem[] }>('/api/segments/code-systems');
  const segments = useLoad<{ segments: Segment[] }>('/api/segments');
  const lists = useLoad<{ lists: SegmentList[] }>('/api/segment-lists');
  const units = useLoad<CareUnit[]>('/api/care-units');
  const value = useMemo<BuilderData>(() => {
    const segs = segments.data?.segments ?? [];
    const ls = lists.data?.lists ?? [];
    return {
      systems: systems.data?.systems ?? [],
      segments: segs,
      lists: ls,
      careUnits: units.data ?? [],
      names: {
        segment: (id) => segs.find((s) => s.id === id)?.name,
        list: (id) => ls.find((l) => l.id === id)?.name,
      },
      selfId,
      problems,
      reloadLists: lists.reload,
    };
  }, [systems.data, segments.data, lists.data, lists.reload, units.data, selfId, problems]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}
