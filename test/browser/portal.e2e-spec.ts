import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { Svix } from 'svix';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { waitFor } from '../support/wait';

/** Where screenshots go (gitignored; CI keeps them as artifacts). */
const ARTIFACTS = join(__dirname, '../../test-artifacts/portal');

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is not installed: run "apt-get install -y chromium" (or set CHROMIUM_PATH)');
  }
}

/** A page of another site that frames the portal (HERALD_PORTAL_FRAME_ANCESTORS names its origin). */
class Embedder {
  private server?: Server;
  src = '';
  async start(): Promise<number> {
    this.server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><title>Customer dashboard</title><h1>Your webhooks</h1><iframe src="${this.src}" width="1000" height="700"></iframe>`);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * The consumer portal in headless Chromium over the real app: opened by the link the real svix 2.5.0 SDK
 * gets from authentication.appPortalAccess, used as a customer would, and refused after logout. Fails on
 * any console error it does not expect, and on any request to a host other than Herald.
 */
describe('consumer portal in a browser', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let embedder: Embedder;
  let embedderPort: number;
  let svix: Svix;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let appA: string;
  let appB: string;
  let endpointB: string;
  let messageB: string;
  let portalToken: string;
  let endpointId: string;
  let msgId: string;
  const problems: string[] = [];
  /** Requests to anywhere but Herald (and the embedding page). */
  const outside: string[] = [];

  const shoot = (name: string, target: Page = page) => target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  function watch(target: Page): void {
    target.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    target.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    target.on('request', (request) => {
      const url = new URL(request.url());
      if (!['data:', 'about:'].includes(url.protocol) && url.origin !== herald.url && url.port !== String(embedderPort)) outside.push(request.url());
    });
  }

  /** A page in the test's browser context (its cookies), or in a context of its own. */
  async function newPage(options: Parameters<Browser['newPage']>[0] = {}, own = false): Promise<Page> {
    const fresh = own ? await browser.newPage() : await context.newPage();
    if (options.viewport) await fresh.setViewportSize(options.viewport);
    watch(fresh);
    return fresh;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await new Receiver().start();
    embedder = new Embedder();
    embedderPort = await embedder.start();
    herald = await startTestHerald({
      env: { HERALD_STATS_INTERVAL: '1s', HERALD_RETRY_SCHEDULE: '0s,1h', HERALD_PORTAL_FRAME_ANCESTORS: `http://127.0.0.1:${embedderPort}` },
    });
    svix = new Svix(herald.token, { serverUrl: herald.url });
    await svix.eventType.create({
      name: 'invoice.paid',
      description: 'An invoice was paid',
      schemas: { '1': { type: 'object', properties: { invoiceId: { type: 'string' } }, examples: [{ invoiceId: 'in_example' }] } },
    });
    await svix.eventType.create({ name: 'invoice.voided', description: 'An invoice was voided' });
    appA = (await svix.application.create({ name: 'Acme Corp', uid: 'acme' })).id;
    appB = (await svix.application.create({ name: 'Globex', uid: 'globex' })).id;
    endpointB = (await svix.endpoint.create(appB, { url: receiver.on('/globex', 200), description: 'Globex secret endpoint' })).id;
    messageB = (await svix.message.create(appB, { eventType: 'invoice.paid', payload: { invoiceId: 'in_globex_secret' } })).id;

    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await herald?.close();
    await receiver?.stop();
    await embedder?.stop();
  });

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
    expect(outside.splice(0)).toEqual([]);
  });

  it('1. opens from the link appPortalAccess returns, trades the token for an HttpOnly cookie and drops it from the address bar', async () => {
    const access = await svix.authentication.appPortalAccess(appA, { sessionId: 'browser-test' });
    portalToken = access.token;
    expect(access.url).toBe(`${herald.url}/portal/#key=${access.token}`);
    const response = await page.goto(access.url);
    expect(response?.headers()['content-security-policy']).toContain(`frame-ancestors http://127.0.0.1:${embedderPort}`);
    expect(response?.headers()['x-frame-options']).toBeUndefined();
    await page.locator('.top .brand').filter({ hasText: 'Acme Corp' }).waitFor();
    expect(page.url()).toBe(`${herald.url}/portal/`);
    const cookies = await context.cookies(herald.url + '/api/v1');
    expect(cookies).toEqual([expect.objectContaining({ name: 'herald_portal', httpOnly: true, sameSite: 'Strict', path: '/api/v1' })]);
    expect(await page.evaluate('document.cookie')).toBe('');
    await page.locator('[data-testid=connection][data-status=connected]').waitFor();
    await shoot('endpoints-empty');
  });

  it('2. creates an endpoint, and a message sent through the API shows up live', async () => {
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByLabel('URL').fill(receiver.on('/acme', { status: 200, body: 'acme says thanks', headers: { 'x-receiver': 'acme' } }));
    await page.getByLabel('Description').fill('Billing service');
    await page.getByRole('checkbox', { name: 'invoice.paid' }).check();
    await page.getByLabel('Rate limit (messages per second)').fill('50');
    await shoot('endpoint-new');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('h1.url').waitFor();
    endpointId = decodeURIComponent(page.url().split('#/endpoint/')[1]);
    const created = await svix.endpoint.get(appA, endpointId);
    expect(created).toMatchObject({ description: 'Billing service', eventTypes: ['invoice.paid'], throttleRate: 50 });

    await page.getByRole('link', { name: 'Live' }).click();
    await page.locator('[data-testid=connection][data-status=connected]').waitFor();
    const sentAt = Date.now();
    msgId = (await svix.message.create(appA, { eventType: 'invoice.paid', payload: { invoiceId: 'in_42', amount: 1200 } })).id;
    await page.locator(`[data-testid=live-feed] tr[data-msg-id="${msgId}"]`).filter({ hasText: 'succeeded' }).waitFor({ timeout: 5_000 });
    console.log(`portal: message ${msgId} in the live feed ${Date.now() - sentAt} ms after it was sent`);
    // Only this application's deliveries: Globex's message never shows.
    await expect(page.locator(`tr[data-msg-id="${messageB}"]`).count()).resolves.toBe(0);
    await shoot('live');
  });

  it('3. opens the attempt, resends it, rotates the secret; shows the message with its payload and the catalogue with an example', async () => {
    await page.locator(`[data-testid=live-feed] tr[data-msg-id="${msgId}"] a`).nth(1).click();
    const attempts = page.locator('[data-testid=attempts] tbody.attempt');
    await attempts.first().waitFor();
    await attempts.first().getByRole('button', { expanded: false }).click();
    await attempts.first().getByText('acme says thanks').waitFor();
    await attempts.first().getByText('x-receiver: acme').waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await shoot('endpoint');

    await attempts.first().getByTestId('resend').click();
    await page.getByRole('status').filter({ hasText: 'sent again' }).waitFor();
    await page.locator('[data-testid=attempts] tbody.attempt', { hasText: 'manual' }).waitFor({ timeout: 5_000 });
    expect(receiver.at('/acme').filter((webhook) => webhook.headers['webhook-id'] === msgId)).toHaveLength(2);

    await page.getByRole('button', { name: 'Reveal' }).click();
    const before = (await svix.endpoint.getSecret(appA, endpointId)).key;
    await page.getByTestId('secret').filter({ hasText: before }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('status').filter({ hasText: 'Secret rotated' }).waitFor();
    const after = (await svix.endpoint.getSecret(appA, endpointId)).key;
    expect(after).not.toBe(before);
    await page.getByTestId('secret').filter({ hasText: after }).waitFor();

    // Send example: the catalogue's example of invoice.paid, to this endpoint, through the send-example route.
    await page.getByLabel('Send an example of').selectOption('invoice.paid');
    await page.getByRole('button', { name: 'Send example' }).click();
    await page.getByRole('status').filter({ hasText: 'Example invoice.paid sent' }).waitFor();
    await waitFor('the example at the endpoint', () => receiver.at('/acme').some((webhook) => JSON.parse(webhook.body).invoiceId === 'in_example'), 5_000);

    // Edit: a custom header and a second event type, through the form.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('checkbox', { name: 'invoice.voided' }).check();
    await page.getByLabel('Custom headers (one "Name: value" a line)').fill('X-Tenant: acme');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Endpoint saved' }).waitFor();
    expect((await svix.endpoint.get(appA, endpointId)).eventTypes?.sort()).toEqual(['invoice.paid', 'invoice.voided']);
    expect((await svix.endpoint.getHeaders(appA, endpointId)).headers).toEqual({ 'X-Tenant': 'acme' });

    await page.goto(`${herald.url}/portal/#/message/${msgId}`);
    await page.getByTestId('payload').filter({ hasText: '"in_42"' }).waitFor();
    await expect(page.locator('[data-testid=attempts] tbody.attempt').count()).resolves.toBe(2);
    await shoot('message');

    await page.getByRole('link', { name: 'Event types' }).click();
    await page.locator('details[data-event-type="invoice.paid"] summary').click();
    await page.locator('details[data-event-type="invoice.paid"]').getByTestId('example').filter({ hasText: 'in_example' }).waitFor();
    await shoot('catalogue');
  });

  it('4. reaches nothing of another application, through the page or the API', async () => {
    await page.goto(`${herald.url}/portal/#/endpoint/${endpointB}`);
    await page.getByText('Endpoint not found').waitFor();
    await page.goto(`${herald.url}/portal/#/message/${messageB}`);
    await page.getByText('Message not found').waitFor();
    const statuses = await page.evaluate(
      async ([b, ep, msg]) => {
        const get = async (path: string) => (await fetch(`/api/v1${path}`, { headers: { 'x-herald-portal': '1' } })).status;
        return [
          await get(`/app/${b}/endpoint`),
          await get(`/app/${b}/endpoint/${ep}`),
          await get(`/app/${b}/msg/${msg}`),
          await get('/app'),
          await get(`/app/acme/endpoint/${ep}`),
        ];
      },
      [appB, endpointB, messageB],
    );
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    // The cookie alone, without the portal's header (what a cross-site form could send), opens nothing.
    expect(await page.evaluate(async (a) => (await fetch(`/api/v1/app/${a}/endpoint`)).status, appA)).toBe(401);
    const portal = new Svix(portalToken, { serverUrl: herald.url, retryScheduleInMs: [] });
    await expect(portal.endpoint.list(appB)).rejects.toMatchObject({ code: 404 });
    await expect(portal.message.get(appB, messageB)).rejects.toMatchObject({ code: 404 });
    expect(await page.content()).not.toContain('in_globex_secret');
    // Chromium logs the 404s and the 401 this test asked for; nothing else may show.
    expect(problems.splice(0).filter((problem) => !/status of (404|401)/.test(problem))).toEqual([]);
  });

  it('works with the keyboard alone', async () => {
    await page.goto(`${herald.url}/portal/`);
    await page.locator('[data-testid=connection]').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    const reached: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      reached.push(String(await page.evaluate('document.activeElement?.textContent?.trim()')));
    }
    expect(reached).toEqual(expect.arrayContaining(['Endpoints', 'Messages', 'Event types', 'Live', 'Sign out']));
    await page.getByRole('link', { name: 'Messages' }).focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid=messages] tr[data-msg-id="${msgId}"]`).waitFor();
    // The new page's content has the focus, and its first link is a Tab away.
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByTestId('payload').waitFor();
    const focus = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(focus).not.toBe('');
  });

  it('fits a 375 px screen, and follows dark mode', async () => {
    const phone = await newPage({ viewport: { width: 375, height: 812 } });
    await phone.goto(`${herald.url}/portal/#/endpoint/${endpointId}`);
    await phone.locator('h1.url').waitFor();
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await shoot('phone', phone);
    await phone.emulateMedia({ colorScheme: 'dark' });
    expect(await phone.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(15, 23, 42)');
    await shoot('phone-dark', phone);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${herald.url}/portal/#/endpoint/${endpointId}`);
    await page.locator('.chart canvas').first().waitFor();
    await shoot('endpoint-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await phone.close();
  });

  it('takes a primary colour and a logo from the link, but never a logo from another host', async () => {
    const branded = await newPage({}, true);
    const access = await svix.authentication.appPortalAccess(appA, {});
    const logo =
      'data:image/svg+xml;base64,' +
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="80" height="24"><rect width="80" height="24" fill="#a06"/></svg>').toString('base64');
    await branded.goto(access.url.replace('/portal/#', `/portal/?primaryColor=%23aa0066&logo=${encodeURIComponent(logo)}#`));
    await branded.locator('.top img.logo').waitFor();
    expect(await branded.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")).toBe('#aa0066');
    await shoot('branded', branded);
    await branded.goto(`${herald.url}/portal/?logo=https://cdn.example.com/logo.png&primaryColor=red`);
    await branded.locator('.top .brand').waitFor();
    await expect(branded.locator('.top img').count()).resolves.toBe(0);
    await branded.close();
  });

  it('is framed by the configured origin, and by no other', async () => {
    const access = await svix.authentication.appPortalAccess(appA, {});
    embedder.src = access.url;
    // Contexts of their own: the framed portal's cookie must not replace the main page's.
    const host = await newPage({}, true);
    await host.goto(`http://127.0.0.1:${embedderPort}/`);
    const frame = host.frameLocator('iframe');
    await frame.locator('.top .brand').filter({ hasText: 'Acme Corp' }).waitFor();
    await shoot('embedded', host);
    // localhost is another origin (and site): refused.
    const other = await newPage({}, true);
    await other.goto(`http://localhost:${embedderPort}/`);
    await other.waitForTimeout(1_000);
    expect(other.frames().some((child) => child.url().startsWith(herald.url) && child !== other.mainFrame())).toBe(false);
    await host.close();
    await other.close();
    expect(problems.splice(0).filter((problem) => !/frame-ancestors|Refused to frame|ERR_BLOCKED/.test(problem))).toEqual([]);
  });

  it('5. after logout, the page and the token are refused', async () => {
    const portal = new Svix(portalToken, { serverUrl: herald.url, retryScheduleInMs: [] });
    await portal.authentication.logout();
    await page.goto(`${herald.url}/portal/`);
    await page.getByTestId('signed-out').waitFor();
    await shoot('signed-out');
    await expect(portal.endpoint.list(appA)).rejects.toMatchObject({ code: 401 });
    expect(problems.splice(0).filter((problem) => !/status of 401/.test(problem))).toEqual([]);

    // The page's own sign-out ends its token too.
    const access = await svix.authentication.appPortalAccess(appA, {});
    await page.goto(access.url);
    await page.locator('.top .brand').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('signed-out').filter({ hasText: 'signed out' }).waitFor();
    await expect(new Svix(access.token, { serverUrl: herald.url, retryScheduleInMs: [] }).endpoint.list(appA)).rejects.toMatchObject({ code: 401 });
    problems.splice(0);
  });
});
