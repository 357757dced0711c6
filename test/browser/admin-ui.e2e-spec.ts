import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { Svix } from 'svix';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { TcpProxy } from '../support/tcp-proxy';

/** Where screenshots go (gitignored; CI keeps them as artifacts). */
const ARTIFACTS = join(__dirname, '../../test-artifacts/ui');

/** Debian's Chromium (apt-get install chromium; .ci/run installs it), or CHROMIUM_PATH. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is not installed: run "apt-get install -y chromium" (or set CHROMIUM_PATH)');
  }
}

/** The admin UI in headless Chromium over the real app: real Redis, database, receiver and SSE stream. */
describe('admin UI in a browser', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  /** The browser reaches Herald through this, so a test can break its connections. */
  let proxy: TcpProxy;
  let svix: Svix;
  let browser: Browser;
  let page: Page;
  let appId: string;
  let endpointId: string;
  /** Console errors and uncaught page errors; a test that expects some takes them out. */
  const problems: string[] = [];

  const shoot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await new Receiver().start();
    herald = await startTestHerald({ env: { HERALD_STATS_INTERVAL: '1s', HERALD_RETRY_SCHEDULE: '0s,1h' } });
    svix = new Svix(herald.token, { serverUrl: herald.url });
    proxy = await new TcpProxy(herald.url).start();
    const app = await svix.application.create({ name: 'Shop' });
    const endpoint = await svix.endpoint.create(app.id, {
      url: receiver.on('/ui-orders', { status: 200, body: 'thanks from the receiver', headers: { 'x-receiver': 'orders' } }),
      description: 'Orders service',
    });
    await svix.endpoint.create(app.id, { url: receiver.on('/ui-failing', 503), description: 'Always 503' });
    [appId, endpointId] = [app.id, endpoint.id];

    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await herald?.close();
    await receiver?.stop();
  });

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  it('serves the UI with a content security policy that keeps it on this origin', async () => {
    const response = await page.goto(`${proxy.url}/ui`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${proxy.url}/ui/`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByLabel('API token').waitFor();
    expect(await page.getByLabel('API token').getAttribute('type')).toBe('password');
  });

  it('refuses a wrong token with the reason, then signs in with the right one', async () => {
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Invalid token').waitFor();
    // Chromium logs the 401 it was meant to get; that one is expected.
    expect(problems.splice(0)).toEqual([expect.stringContaining('401')]);

    await page.getByLabel('API token').fill(herald.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=connection][data-status=connected]').waitFor();
    await shoot('overview-empty');
  });

  it('shows a message sent after the page opened in the live feed within seconds', async () => {
    await page.getByRole('link', { name: 'Live feed' }).click();
    await page.locator('[data-testid=connection][data-status=connected]').waitFor();
    const sentAt = Date.now();
    const message = await svix.message.create(appId, { eventType: 'order.created', payload: { id: 1 } });
    const row = page.locator(`tr[data-msg-id="${message.id}"]`).filter({ hasText: 'succeeded' });
    await row.waitFor({ timeout: 3_000 });
    console.log(`message ${message.id} in the live feed ${Date.now() - sentAt} ms after it was sent`);
    await expect(row.textContent()).resolves.toContain('order.created');
    await expect(row.textContent()).resolves.toContain(endpointId);
    await expect(row.textContent()).resolves.toContain('200');
    // The failing endpoint's attempt shows too, and the status filter picks it out.
    await page.locator(`tr[data-msg-id="${message.id}"]`).filter({ hasText: 'retrying' }).waitFor();
    await page.getByLabel('Status').selectOption('retrying');
    await expect(page.locator('[data-testid=live-feed] tbody tr').count()).resolves.toBe(1);
    await page.getByLabel('Status').selectOption('');
    await shoot('live-feed');
  });

  it('resumes after losing the connection, missing nothing and showing nothing twice', async () => {
    await page.locator('[data-testid=connection][data-status=connected]').waitFor();
    proxy.cut();
    await page.locator('[data-testid=connection][data-status=reconnecting]').waitFor();
    const missed = [];
    for (let n = 0; n < 3; n++) missed.push(await svix.message.create(appId, { eventType: 'order.updated', payload: { n } }));
    proxy.restore();
    await page.locator('[data-testid=connection][data-status=connected]').waitFor({ timeout: 20_000 });
    for (const message of missed) {
      await page.locator(`tr[data-msg-id="${message.id}"]`).filter({ hasText: 'succeeded' }).waitFor();
      await expect(page.locator(`tr[data-msg-id="${message.id}"]`).count()).resolves.toBe(2); // one per endpoint
    }
    // Chromium reports the dropped stream and refused reconnects as network errors; nothing else may show.
    expect(problems.splice(0).filter((problem) => !/net::ERR_/.test(problem))).toEqual([]);
  });

  it('overview lists applications and endpoints with health, success rate and charts', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    const row = page.locator(`tr[data-endpoint-id="${endpointId}"]`);
    await row.waitFor();
    await expect(row.getByTestId('endpoint-state').textContent()).resolves.toBe('healthy');
    // From the stats events (one a second here): the four messages so far, all answered 200.
    await row.getByTestId('attempts-in-window').filter({ hasText: /^4$/ }).waitFor({ timeout: 5_000 });
    await expect(row.textContent()).resolves.toContain('100.0%');
    await page.getByTestId('tile-deliveries/s').filter({ hasText: /\d/ }).waitFor({ timeout: 5_000 });
    await page.locator('.chart canvas').first().waitFor();
    await shoot('overview');
  });

  it('endpoint page: attempt log with response headers and body, resend adds an attempt', async () => {
    await page.locator(`tr[data-endpoint-id="${endpointId}"] a`).first().click();
    const attempts = page.locator('[data-testid=attempts] tbody.attempt');
    await attempts.first().waitFor();
    const before = await attempts.count();
    expect(before).toBe(4); // the four messages sent so far

    const newest = attempts.first();
    await newest.getByRole('button', { expanded: false }).click();
    await newest.getByText('x-receiver: orders').waitFor();
    await newest.getByText('thanks from the receiver').waitFor();
    await shoot('endpoint-attempt');

    const msgId = await newest.getAttribute('data-msg-id');
    await newest.getByTestId('resend').click();
    await page.locator(`[data-testid=attempts] tbody.attempt:nth-child(${before + 2})`).waitFor(); // thead is child 1
    const resent = attempts.first();
    expect(await resent.getAttribute('data-msg-id')).toBe(msgId);
    await expect(resent.textContent()).resolves.toContain('manual');
    expect(receiver.at('/ui-orders').filter((webhook) => webhook.headers['webhook-id'] === msgId)).toHaveLength(2);
  });

  it('disables and enables the endpoint, and the state follows', async () => {
    const state = page.getByTestId('endpoint-state');
    await page.getByTestId('toggle-disabled').click();
    await page.getByTestId('endpoint-state').filter({ hasText: 'disabled' }).waitFor();
    await expect((await svix.endpoint.get(appId, endpointId)).disabled).toBe(true);
    await shoot('endpoint-disabled');
    await page.getByTestId('toggle-disabled').click();
    await state.filter({ hasText: 'healthy' }).waitFor();
    await expect((await svix.endpoint.get(appId, endpointId)).disabled).toBe(false);
  });

  it('rotates the secret and recovers failed messages', async () => {
    const secretBefore = (await svix.endpoint.getSecret(appId, endpointId)).key;
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('status').filter({ hasText: 'Secret rotated' }).waitFor();
    expect((await svix.endpoint.getSecret(appId, endpointId)).key).not.toBe(secretBefore);

    await page.getByRole('button', { name: 'Recover' }).click();
    await page.getByRole('status').filter({ hasText: 'sent again' }).waitFor();
  });

  it('signs out, and the session no longer opens the API', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/v1/app', { headers: { 'x-herald-ui': '1' } })).status);
    expect(status).toBe(401);
    problems.splice(0); // that 401 was the point
  });
});
