import { useEffect, useState } from 'react';
import { ApiError, api } from '../../api.ts';
import type { Definition, DefinitionProblem, SegmentPreview } from '../../types.ts';

export const PREVIEW_DEBOUNCE_MS = 400;
const SAMPLE = 10;

export interface PreviewState {
  preview: SegmentPreview | null;
  /** The definition the preview was counted for (the one being edited may be newer). */
  counted: Definition | null;
  /** The server's problems with the definition (422), by path. */
  problems: DefinitionProblem[];
  error: unknown;
  loading: boolean;
}

/**
 * POST /api/segments/preview ~400 ms after the definition (or the as-of
 * instant) last changed; an answer to an older definition is dropped.
 * `enabled` false (the rules are not filled in yet) asks nothing.
 */
export function usePreview(definition: Definition, asOf: string | undefined, enabled: boolean): PreviewState {
  const [state, setState] = useState<PreviewState>({
    preview: null,
    counted: null,
    problems: [],
    error: null,
    loading: false,
  });
  const body = JSON.stringify({ definition, asOf, sample: SAMPLE });

  useEffect(() => {
    if (!enabled) {
      setState((s) => ({ ...s, problems: [], error: null, loading: false }));
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      const sent = JSON.parse(body);
      api
        .post<SegmentPreview>('/api/segments/preview', sent)
        .then(
          (preview) =>
            live &&
            setState({ preview, counted: sent.definition, problems: [], error: null, loading: false }),
        )
        .catch((err) => {
          if (!live) return;
          const problems =
            (err instanceof ApiError && (err.body as { problems?: DefinitionProblem[] })?.problems) || [];
          setState((s) => ({
            preview: problems.length ? null : s.preview,
            counted: problems.length ? null : s.counted,
            problems,
            error: problems.length ? null : err,
            loading: false,
          }));
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [body, enabled]);

  return state;
}
