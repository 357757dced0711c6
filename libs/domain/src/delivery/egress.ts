import { Agent, Dispatcher, ProxyAgent } from 'undici';
import { HeraldConfig } from '@herald/config';
import { guardedLookup, refusedLiteralHost, RefusedTargetError, resolveGuarded } from './target-guard';

/** One webhook request as it leaves: the URL and headers to send, and the dispatcher that carries them. */
export interface Route {
  url: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
}

type EgressConfig = Pick<HeraldConfig, 'allowPrivateTargets' | 'privateTargetAllowlist' | 'proxyUrl'>;

const KEEP_ALIVE = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000 };

/**
 * How webhook requests leave Herald: straight to the endpoint over keep-alive pools (one per origin), or
 * through the forward proxy of HERALD_PROXY_URL (CONNECT for https, absolute-form for http). Either way,
 * with the SSRF guard on, the address the request reaches is judged first:
 * - direct, at connect time (the socket's own lookup), so a DNS answer cannot change after the check;
 * - through the proxy, before anything is sent: Herald resolves the name, and asks the proxy for the
 *   address it checked rather than the name (with the name in `Host` and the TLS server name), so the
 *   proxy's own lookup cannot be steered elsewhere. A refused target never reaches the proxy.
 * With the guard off, the proxy gets the name and resolves it itself.
 */
export class Egress {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly config: EgressConfig) {
    this.dispatcher = config.proxyUrl
      ? new ProxyAgent({ uri: config.proxyUrl, proxyTunnel: false, ...KEEP_ALIVE })
      : new Agent({ ...KEEP_ALIVE, connect: config.allowPrivateTargets ? undefined : { lookup: guardedLookup(config.privateTargetAllowlist) } });
  }

  async route(url: string, headers: Record<string, string>): Promise<Route> {
    const { allowPrivateTargets, privateTargetAllowlist, proxyUrl } = this.config;
    if (allowPrivateTargets) return { url, headers, dispatcher: this.dispatcher };
    const target = new URL(url);
    if (!proxyUrl) {
      const refused = refusedLiteralHost(target, privateTargetAllowlist);
      if (refused) throw new RefusedTargetError(refused);
      return { url, headers, dispatcher: this.dispatcher };
    }
    const { address, family } = await resolveGuarded(target.hostname, privateTargetAllowlist);
    const host = target.host;
    target.hostname = family === 6 ? `[${address}]` : address;
    return { url: target.toString(), headers: { ...headers, host }, dispatcher: this.dispatcher };
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
