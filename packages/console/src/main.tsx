// The console's shell: restores the session (cookie) on load, or shows sign-in; then a header with
// navigation, the tenant picker and sign-out, and the page the path names.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, setTenant, whenSignedOut, type SessionInfo, type Tenant } from './api';
import { href, interceptLinks, navigate, useRoute } from './router';
import { SignIn } from './pages/sign-in';
import { SecretsPage } from './pages/secrets';
import { SecretPage } from './pages/secret';
import { RotationPage } from './pages/rotation';
import { AuditPage } from './pages/audit';
import { EmergencyPage } from './pages/emergency';
import { AccessPage } from './pages/access';
import { ProvidersPage } from './pages/providers';
import { LeaksPage } from './pages/leaks';
import { AdminPage } from './pages/admin';
import { NotificationsPage } from './pages/notifications';
import './styles.css';

const TENANT_KEY = 'keyhaven.console.tenant'; // the tenant id only: never a token

const roleIn = (s: SessionInfo, tenant: string | null) => s.token.grants?.find((g) => g.tenant === tenant)?.role ?? s.token.role;

const NAV = [
  { page: 'secrets', label: 'Secrets' },
  { page: 'rotation', label: 'Rotation' },
  { page: 'audit', label: 'Audit' },
  { page: 'providers', label: 'Providers' },
  { page: 'leaks', label: 'Leaks' },
  { page: 'notifications', label: 'Notifications' },
  { page: 'admin', label: 'Admin' },
];

const App = () => {
  const route = useRoute();
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [tenants, setTenants] = useState<Tenant[]>([]);
  const [tenant, setTenantState] = useState<string | null>(null);

  const chooseTenant = (t: string | null) => {
    setTenant(t);
    setTenantState(t);
    if (t) sessionStorage.setItem(TENANT_KEY, t);
  };
  const signedIn = async (s: SessionInfo) => {
    const list = (await api.tenants()).items;
    const saved = sessionStorage.getItem(TENANT_KEY);
    setTenants(list);
    chooseTenant(list.find((t) => t.id === saved)?.id ?? s.token.tenant ?? s.token.grants?.[0]?.tenant ?? list[0]?.id ?? null);
    setSession(s);
  };

  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api.session().then(signedIn, () => setSession(null));
  }, []);

  useEffect(() => {
    if (session && (route.page === '' || route.page === 'sign-in')) navigate('/secrets', { replace: true });
  }, [session, route.page]);
  // After a navigation inside the app, keyboard and screen-reader focus moves to the new page.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [route.page, route.rest]);
  useEffect(() => {
    const page = NAV.find((n) => n.page === route.page)?.label ?? (route.page === 'secret' ? 'Secret' : 'Sign in');
    const title =
      route.page === 'rotation' && route.rest === 'emergency' ? 'Emergency rotation' : route.page === 'access' ? 'Access history' : page;
    document.title = `${title} · Keyhaven`;
  }, [route.page, route.rest]);

  if (session === undefined)
    return (
      <main id="main" class="loading">
        <p role="status">Loading…</p>
      </main>
    );
  if (session === null) return <SignIn onSignedIn={signedIn} />;

  const signOut = async () => {
    try {
      await api.signOut();
    } catch {
      /* already ended: signed out either way */
    }
    setSession(null);
    navigate('/sign-in');
  };
  const key = `${tenant}:${route.page}:${route.rest}`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/secrets')}>
          Keyhaven
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.page}>
                <a
                  href={href(`/${n.page}`)}
                  aria-current={
                    route.page === n.page || (n.page === 'secrets' && (route.page === 'secret' || route.page === 'access'))
                      ? 'page'
                      : undefined
                  }
                >
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <label class="tenant">
            <span>Tenant</span>
            <select
              value={tenant ?? ''}
              onChange={(e) => {
                chooseTenant((e.target as HTMLSelectElement).value);
                navigate('/secrets');
              }}
            >
              {tenants.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name ? `${t.name} (${t.id})` : t.id}
                </option>
              ))}
            </select>
          </label>
          <span class="token" title={`Token ${session.token.id}`}>
            {session.token.name}
            {session.token.is_root ? ' · root' : roleIn(session, tenant) ? ` · ${roleIn(session, tenant)}` : ''}
          </span>
          <button type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} key={key}>
        {!tenant ? (
          <p class="note error" role="alert">
            This token reaches no tenant.
          </p>
        ) : route.page === 'secret' ? (
          <SecretPage name={route.rest} />
        ) : route.page === 'access' ? (
          <AccessPage name={route.rest} />
        ) : route.page === 'rotation' && route.rest === 'emergency' ? (
          <EmergencyPage />
        ) : route.page === 'rotation' ? (
          <RotationPage />
        ) : route.page === 'audit' ? (
          <AuditPage session={session} />
        ) : route.page === 'providers' ? (
          <ProvidersPage />
        ) : route.page === 'leaks' ? (
          <LeaksPage />
        ) : route.page === 'notifications' ? (
          <NotificationsPage />
        ) : route.page === 'admin' ? (
          <AdminPage session={session} />
        ) : (
          <SecretsPage query={route.query} />
        )}
      </main>
    </>
  );
};

interceptLinks();
render(<App />, document.getElementById('app')!);
