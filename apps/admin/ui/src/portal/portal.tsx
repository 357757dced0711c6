import { useEffect, useMemo, useState } from 'preact/hooks';
import type { PortalSessionOut } from '@herald/contract';
import { Indicator } from '../shared/components';
import { useLive } from '../shared/store';
import { branding } from './branding';
import { portalApi, portalSession } from './api';
import { Catalogue } from './catalogue';
import { EndpointList, EndpointView } from './endpoints';
import { LiveDeliveries } from './live-deliveries';
import { MessageList, MessageView } from './messages';

type State = { kind: 'loading' } | { kind: 'signed-out'; reason: string } | { kind: 'ready'; session: PortalSessionOut };

/**
 * The consumer portal: opened by an app-portal-access link whose #key= fragment holds the token. The token
 * leaves the address bar at once and is traded for an HttpOnly cookie; the page never keeps it.
 */
export function Portal() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const begin = () =>
      start()
        .then((session) => setState({ kind: 'ready', session }))
        .catch(() => setState({ kind: 'signed-out', reason: 'This link has expired or was signed out. Ask for a new one.' }));
    // A new link opened in a portal already open changes only the fragment: no page load.
    const onHash = () => location.hash.includes('key=') && void begin();
    void begin();
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (state.kind === 'loading') return null;
  if (state.kind === 'signed-out')
    return (
      <main class="portal-message">
        <h1>Webhooks</h1>
        <p role="alert" data-testid="signed-out">
          {state.reason}
        </p>
      </main>
    );
  return <SignedIn key={state.session.expiresAt} session={state.session} onSignedOut={(reason) => setState({ kind: 'signed-out', reason })} />;
}

async function start(): Promise<PortalSessionOut> {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (key) {
    history.replaceState(null, '', location.pathname + location.search);
    await portalSession.signIn(key);
  }
  return portalSession.get();
}

function SignedIn({ session, onSignedOut }: { session: PortalSessionOut; onSignedOut: (reason: string) => void }) {
  const api = useMemo(() => portalApi(session.appId), [session.appId]);
  const stream = useMemo(() => ({ path: `/api/v1/app/${encodeURIComponent(session.appId)}/stream`, token: api.streamToken }), [api]);
  const live = useLive(() => onSignedOut('This session has ended. Ask for a new link.'), stream);
  const route = useRoute();
  const brand = useMemo(() => branding(session.branding), [session.branding]);
  const signOut = async () => {
    await portalSession.signOut().catch(() => undefined);
    onSignedOut('You are signed out.');
  };
  const nav = (page: Route['page'], label: string, href: string) => (
    <a href={href} aria-current={route.page === page ? 'page' : undefined}>
      {label}
    </a>
  );

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        {brand.logo && <img class="logo" src={brand.logo} alt="" />}
        <span class="brand">{session.appName}</span>
        <nav aria-label="Portal">
          {nav('endpoints', 'Endpoints', '#/')}
          {nav('messages', 'Messages', '#/messages')}
          {nav('events', 'Event types', '#/events')}
          {nav('live', 'Live', '#/live')}
        </nav>
        <Indicator status={live.status} />
        <button class="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {session.readOnly && <p class="muted">Read-only access: you can look, not change.</p>}
        {route.page === 'endpoints' && <EndpointList api={api} session={session} live={live} />}
        {route.page === 'endpoint' && <EndpointView key={route.id} api={api} session={session} endpointId={route.id} live={live} />}
        {route.page === 'messages' && <MessageList api={api} />}
        {route.page === 'message' && <MessageView key={route.id} api={api} session={session} msgId={route.id} />}
        {route.page === 'events' && <Catalogue api={api} />}
        {route.page === 'live' && <LiveDeliveries live={live} />}
      </main>
    </>
  );
}

type Route =
  { page: 'endpoints' } | { page: 'endpoint'; id: string } | { page: 'messages' } | { page: 'message'; id: string } | { page: 'events' } | { page: 'live' };

function parse(hash: string): Route {
  const [page, id] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (page === 'endpoint' && id) return { page: 'endpoint', id };
  if (page === 'message' && id) return { page: 'message', id };
  if (page === 'messages' || page === 'events' || page === 'live') return { page };
  return { page: 'endpoints' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parse(location.hash));
      // Keyboard and screen-reader users land on the new page's content.
      document.getElementById('main')?.focus();
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
