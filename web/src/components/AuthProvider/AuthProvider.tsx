/**
 * Keeps the signed-in user: the token and who it belongs to, in sessionStorage,
 * so a reload keeps the session and closing the tab ends it. A refused token
 * anywhere (the `phishnet:unauthorized` event) signs out with a notice.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { authMeSchema } from '../../../../src/contracts/auth.ts';
import type { Me } from '../../api/client.ts';
import { AuthContext, TOKEN_STORAGE_KEY, type Auth } from '../../hooks/useAuth.ts';

const ME_STORAGE_KEY = 'phishnet.me';
export const UNAUTHORIZED_EVENT = 'phishnet:unauthorized';

interface Session {
  token: string | null;
  me: Me | null;
  notice: string | null;
}

function readSession(): Session {
  try {
    const token = sessionStorage.getItem(TOKEN_STORAGE_KEY);
    const me = authMeSchema.safeParse(JSON.parse(sessionStorage.getItem(ME_STORAGE_KEY) ?? 'null'));
    if (token && me.success) return { token, me: me.data, notice: null };
  } catch {
    // Storage unavailable or garbled: start signed out.
  }
  return { token: null, me: null, notice: null };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session>(readSession);

  const signIn = useCallback((token: string, me: Me) => {
    try {
      sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
      sessionStorage.setItem(ME_STORAGE_KEY, JSON.stringify(me));
    } catch {
      // Private mode without storage: the session lasts as long as the page.
    }
    setSession({ token, me, notice: null });
  }, []);

  const signOut = useCallback((notice?: string) => {
    try {
      sessionStorage.removeItem(TOKEN_STORAGE_KEY);
      sessionStorage.removeItem(ME_STORAGE_KEY);
    } catch {
      // Nothing stored, nothing to remove.
    }
    setSession({ token: null, me: null, notice: notice ?? null });
  }, []);

  useEffect(() => {
    const onUnauthorized = (event: Event): void => {
      const detail = (event as CustomEvent<string | undefined>).detail;
      signOut(`Please sign in again: ${detail ?? 'the token was refused'}.`);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => {
      window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    };
  }, [signOut]);

  const auth = useMemo<Auth>(() => ({ ...session, signIn, signOut }), [session, signIn, signOut]);
  return <AuthContext value={auth}>{children}</AuthContext>;
}
