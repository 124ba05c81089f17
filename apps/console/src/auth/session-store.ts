/** The API key lives in sessionStorage: this tab only, gone when the tab closes or on sign-out. */
const KEY = 'damon.apiKey';
const REASON = 'damon.signOutReason';

export const sessionStore = {
  key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
    sessionStorage.removeItem(REASON);
  },
  /** Forgets the key; `reason` is shown on the sign-in page (e.g. the key was revoked). */
  signOut(reason?: string): void {
    sessionStorage.removeItem(KEY);
    if (reason) sessionStorage.setItem(REASON, reason);
    else sessionStorage.removeItem(REASON);
  },
  reason(): string | null {
    return sessionStorage.getItem(REASON);
  },
};
