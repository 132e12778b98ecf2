import { FormEvent, useState } from 'react';

import { ApiError, setToken } from '../api';
import { ErrorBox } from '../components/States';

export function SignIn() {
  const [token, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const t = token.trim();
    if (!t) {
      setError(new Error('Enter your API token.'));
      return;
    }
    setBusy(true);
    try {
      const res = await fetch('/api/me', { headers: { Authorization: `Bearer ${t}` } });
      if (!res.ok) {
        let message = `The server answered ${res.status}.`;
        try {
          const j = await res.json();
          message = j?.error?.message ?? message;
        } catch {
          // keep the status
        }
        throw new ApiError(res.status, 'sign_in', message);
      }
      setToken(t);
    } catch (err) {
      setError(err instanceof ApiError ? err
               : new ApiError(0, 'offline', 'Cannot reach the leadscan server.'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>Sign in to leadscan</h1>
      <p>
        Paste an API token (<code>leadscan token create</code>), or open the sign-in address that{' '}
        <code>leadscan serve</code> prints on its first start.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}
