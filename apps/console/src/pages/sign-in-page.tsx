import { useState, type FormEvent } from 'react';
import type { SignInSubmit } from '../auth/session-context';

export function SignInPage({ submit, busy, error, reason }: SignInSubmit) {
  const [key, setKey] = useState('');
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) submit(key);
  };
  return (
    <main className="signin">
      <form className="signin-card" onSubmit={onSubmit} aria-labelledby="signin-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          damon
        </div>
        <h1 id="signin-title">Sign in to the operator console</h1>
        <p className="muted">
          Paste an API key (<code>npm run apikey -- create --role triager --name you</code>). It is kept for
          this tab only.
        </p>
        {reason && (
          <div className="notice notice-warn" role="status">
            {reason}
          </div>
        )}
        {error && (
          <div className="notice notice-error" role="alert">
            {error}
          </div>
        )}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="dmn_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoFocus
        />
        <button type="submit" className="btn btn-primary" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
