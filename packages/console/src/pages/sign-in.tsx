// Sign-in with a token: exchanged once for an HttpOnly session cookie; the field is cleared and the
// token kept nowhere (not in the URL, storage or the page).
import { useEffect, useState } from 'preact/hooks';
import { api, type SessionInfo } from '../api';
import { ErrorNote } from '../components/ui';

const SSO_ERRORS: Record<string, string> = {
  OIDC_SIGN_IN_FAILED: 'Single sign-on did not complete; start again.',
  OIDC_NO_ROLE: 'You signed in at your identity provider, but no rule gives you a role in Keyhaven. Ask an administrator.',
};

export const SignIn = ({ onSignedIn }: { onSignedIn: (s: SessionInfo) => Promise<void> }) => {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sso, setSso] = useState(false);
  const ssoError = new URLSearchParams(location.search).get('sso_error');
  useEffect(() => {
    api.ssoEnabled().then(setSso, () => setSso(false));
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api.signIn(token.trim());
      setToken('');
      await onSignedIn(s);
    } catch (err) {
      setError(err);
      setToken('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={submit} method="post" action="#">
        <h1>Sign in to Keyhaven</h1>
        <p class="muted">
          Paste a Keyhaven token. It is exchanged for a session that ends when you sign out or after a while without use; the console does
          not keep the token.
        </p>
        <label class="field">
          <span>Token</span>
          <input
            type="password"
            name="token"
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            autocomplete="off"
            spellcheck={false}
            required
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {sso ? (
          <div class="sso">
            <p class="muted">Or, as a person in your organisation:</p>
            <a class="button secondary" href="/v1/console/oidc/login">
              Sign in with single sign-on
            </a>
          </div>
        ) : null}
        {ssoError ? (
          <p class="note error" role="alert">
            {SSO_ERRORS[ssoError] ?? SSO_ERRORS.OIDC_SIGN_IN_FAILED}
          </p>
        ) : null}
      </form>
    </main>
  );
};
