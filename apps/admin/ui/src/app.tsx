import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { useLive } from './shared/store';
import { Indicator } from './shared/components';
import { SignIn } from './views/sign-in';
import { LiveFeed } from './views/live-feed';
import { Overview } from './views/overview';
import { EndpointPage } from './views/endpoint-page';

/** Every application's deliveries. */
const STREAM = { path: '/api/v1/stream', token: api.streamToken };

type Session = 'checking' | 'signed-in' | 'signed-out';

/** The shell: asks whether the operator session is valid, then shows sign-in or the signed-in pages. */
export function App() {
  const [session, setSession] = useState<Session>('checking');

  useEffect(() => {
    api
      .session()
      .then(({ signedIn }) => setSession(signedIn ? 'signed-in' : 'signed-out'))
      .catch(() => setSession('signed-out'));
  }, []);

  if (session === 'checking') return null;
  if (session === 'signed-out') return <SignIn onSignedIn={() => setSession('signed-in')} />;
  return <SignedIn onSignedOut={() => setSession('signed-out')} />;
}

function SignedIn({ onSignedOut }: { onSignedOut: () => void }) {
  const live = useLive(onSignedOut, STREAM);
  const route = useHashRoute();
  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    onSignedOut();
  };

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Herald
        </a>
        <nav>
          <a href="#/" class={route.page === 'overview' ? 'active' : ''}>
            Overview
          </a>
          <a href="#/live" class={route.page === 'live' ? 'active' : ''}>
            Live feed
          </a>
          <a href="/admin/queues" target="_blank" rel="noopener">
            Bull Board ↗
          </a>
        </nav>
        <Indicator status={live.status} />
        <button class="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === 'overview' && <Overview live={live} />}
        {route.page === 'live' && <LiveFeed live={live} />}
        {route.page === 'endpoint' && <EndpointPage key={route.endpointId} appId={route.appId} endpointId={route.endpointId} live={live} />}
      </main>
    </>
  );
}

type Route = { page: 'overview' } | { page: 'live' } | { page: 'endpoint'; appId: string; endpointId: string };

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'live') return { page: 'live' };
  if (parts[0] === 'app' && parts[2] === 'endpoint' && parts[1] && parts[3]) return { page: 'endpoint', appId: parts[1], endpointId: parts[3] };
  return { page: 'overview' };
}

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
