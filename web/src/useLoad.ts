import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';

/**
 * GET a path (null: nothing to load) and keep the answer; reload() asks again.
 * When the path changes, the previous answer stays until the new one arrives;
 * `loaded` says which path `data` answers.
 */
export function useLoad<T>(path: string | null): {
  data: T | undefined;
  loaded: string | null;
  error: unknown;
  reload(): void;
} {
  const [data, setData] = useState<T>();
  const [loaded, setLoaded] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the reload trigger
  useEffect(() => {
    if (!path) return;
    let live = true;
    api
      .get<T>(path)
      .then((d) => {
        if (!live) return;
        setData(d);
        setLoaded(path);
        setError(null);
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [path, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, loaded, error, reload };
}
