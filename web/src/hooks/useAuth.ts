/**
 * The signed-in user: a token pasted on the sign-in page, kept in
 * sessionStorage (gone when the tab closes), and who it belongs to.
 */
import { createContext, useContext } from 'react';
import type { Me } from '../api/client.ts';

export const TOKEN_STORAGE_KEY = 'phishnet.token';

export interface Auth {
  token: string | null;
  me: Me | null;
  /** Why the last session ended, for the sign-in page (e.g. the token expired). */
  notice: string | null;
  signIn(token: string, me: Me): void;
  signOut(notice?: string): void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth needs an <AuthProvider> above it');
  return auth;
}

/** The token, or null outside an AuthProvider (a component used on its own). */
export function useOptionalToken(): string | null {
  return useContext(AuthContext)?.token ?? null;
}

export function readStoredToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}
