import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { api, request, setCsrfToken, setUnauthorizedHandler } from './api.ts';
import type { Me } from './types.ts';

const RETURN_KEY = 'po-return';

/** Where to go after signing in: the page that asked for it, else home. */
export function takeReturnPath(): string {
  const path = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return path?.startsWith('/') && !path.startsWith('/signin') ? path : '/';
}

export function rememberReturnPath(path: string): void {
  if (!path.startsWith('/signin') && !path.startsWith('/setup')) sessionStorage.setItem(RETURN_KEY, path);
}

interface Session {
  /** undefined while the first /api/auth/me is in flight, null when signed out. */
  me: Me | null | undefined;
  signedIn(me: Me): void;
  signOut(): Promise<void>;
  can(permission: string): boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const navigate = useNavigate();
  const location = useLocation();
  const here = location.pathname + location.search;

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      setCsrfToken('');
      rememberReturnPath(window.location.pathname + window.location.search);
      navigate('/signin');
    });
  }, [navigate]);

  useEffect(() => {
    let live = true;
    request<Me>('/api/auth/me', { noRedirect: true })
      .then((m) => {
        if (!live) return;
        setCsrfToken(m.csrfToken);
        setMe(m);
      })
      .catch(() => {
        if (live) setMe(null);
      });
    return () => {
      live = false;
    };
  }, []);

  // A signed-out visitor of a protected page is sent to sign in, and brought back afterwards.
  // (Not after signing out: the next user should start at home.)
  const signingOut = useRef(false);
  useEffect(() => {
    if (me === null && !here.startsWith('/signin') && !here.startsWith('/setup')) {
      if (!signingOut.current) rememberReturnPath(here);
      navigate('/signin', { replace: true });
    }
    if (me) signingOut.current = false;
  }, [me, here, navigate]);

  const signedIn = useCallback((m: Me) => {
    setCsrfToken(m.csrfToken);
    setMe(m);
  }, []);

  const signOut = useCallback(async () => {
    signingOut.current = true;
    try {
      await api.post('/api/auth/logout', undefined, { noRedirect: true });
    } finally {
      setCsrfToken('');
      setMe(null);
      sessionStorage.removeItem(RETURN_KEY);
      navigate('/signin');
    }
  }, [navigate]);

  const value = useMemo<Session>(
    () => ({ me, signedIn, signOut, can: (p) => me?.permissions.includes(p) ?? false }),
    [me, signedIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The signed-in user; only for components rendered under RequireSession. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a session');
  return me;
}
