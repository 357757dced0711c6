// Renders docs/grafana-dashboard.png: the panels of docs/grafana-dashboard.json drawn with uPlot in Debian's
// headless Chromium, from real /metrics scrapes of a real Herald (all-in-one from dist/, a fresh SQLite file,
// REDIS_URL) under a minute of varying load. No Grafana here: the panels' PromQL is evaluated by the small
// evaluator below, which knows only the forms the dashboard uses (rate, sum/max by, histogram_quantile).
//   npm run build && node scripts/render-dashboard.mjs [--seconds 60]
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 60;
const SCRAPE_MS = 2_000;
const RATE_WINDOW_MS = 10_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses a Prometheus text exposition into samples { name, labels: {…}, value }. */
function parseExposition(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || line.startsWith('#')) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** A label selector `{a="x",b!="",c=~"p|q"}` as a predicate. */
function selector(text = '') {
  const matchers = [...text.matchAll(/(\w+)(=~|!=|=)"([^"]*)"/g)].map(([, name, op, value]) => ({ name, op, value }));
  return (labels) =>
    matchers.every(({ name, op, value }) => {
      const actual = labels[name] ?? '';
      return op === '=' ? actual === value : op === '!=' ? actual !== value : new RegExp(`^(?:${value})$`).test(actual);
    });
}

const keyOf = (labels, by) => JSON.stringify(by.map((name) => labels[name] ?? ''));

/** Evaluates one of the dashboard's expressions at scrape `i`: a Map from group key (the `by` labels) to a number. */
function evaluate(expr, scrapes, i) {
  let m = /^histogram_quantile\(([\d.]+), sum by \(([^)]*)\) \(rate\((\w+)(\{[^}]*\})?\[\$__rate_interval\]\)\)\)$/.exec(expr);
  if (m) {
    const [, q, byText, name, sel] = m;
    const by = byText
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== 'le');
    const rates = rateBy(scrapes, i, name, sel, [...by, 'le']);
    const groups = new Map();
    for (const [key, rate] of rates) {
      const values = JSON.parse(key);
      const le = values.pop();
      const group = JSON.stringify(values);
      groups.set(group, [...(groups.get(group) ?? []), { le: le === '+Inf' ? Infinity : Number(le), rate }]);
    }
    const out = new Map();
    for (const [group, buckets] of groups)
      out.set(
        group,
        quantile(
          Number(q),
          buckets.sort((a, b) => a.le - b.le),
        ),
      );
    return out;
  }
  m = /^sum(?: by \(([^)]*)\))? ?\(rate\((\w+)(\{[^}]*\})?\[\$__rate_interval\]\)\)$/.exec(expr);
  if (m) return rateBy(scrapes, i, m[2], m[3], m[1] ? m[1].split(',').map((s) => s.trim()) : []);
  m = /^(sum|max)(?: by \(([^)]*)\))? ?\((\w+)(\{[^}]*\})?\)$/.exec(expr);
  if (m) {
    const [, op, byText, name, sel] = m;
    const by = byText ? byText.split(',').map((s) => s.trim()) : [];
    const match = selector(sel);
    const out = new Map();
    for (const sample of scrapes[i].samples.filter((s) => s.name === name && match(s.labels))) {
      const key = keyOf(sample.labels, by);
      out.set(key, op === 'sum' ? (out.get(key) ?? 0) + sample.value : Math.max(out.get(key) ?? -Infinity, sample.value));
    }
    return out;
  }
  throw new Error(`render-dashboard does not evaluate: ${expr}`);
}

/** Per-second increase of counter samples over the rate window ending at scrape `i`, summed by `by`. */
function rateBy(scrapes, i, name, sel, by) {
  let j = i;
  while (j > 0 && scrapes[i].at - scrapes[j - 1].at <= RATE_WINDOW_MS) j--;
  const out = new Map();
  if (j === i) return out;
  const match = selector(sel);
  const before = new Map(scrapes[j].samples.filter((s) => s.name === name && match(s.labels)).map((s) => [JSON.stringify(s.labels), s.value]));
  const elapsed = (scrapes[i].at - scrapes[j].at) / 1_000;
  for (const sample of scrapes[i].samples.filter((s) => s.name === name && match(s.labels))) {
    const key = keyOf(sample.labels, by);
    out.set(key, (out.get(key) ?? 0) + (sample.value - (before.get(JSON.stringify(sample.labels)) ?? 0)) / elapsed);
  }
  return out;
}

/** Prometheus's histogram_quantile: linear interpolation within the bucket the rank falls in. */
function quantile(q, buckets) {
  const total = buckets[buckets.length - 1]?.rate ?? 0;
  if (!total) return null;
  const rank = q * total;
  for (let k = 0; k < buckets.length; k++) {
    if (buckets[k].rate >= rank) {
      if (buckets[k].le === Infinity) return buckets[k - 1]?.le ?? null;
      const lower = k ? buckets[k - 1].le : 0;
      const below = k ? buckets[k - 1].rate : 0;
      return lower + ((buckets[k].le - lower) * (rank - below)) / (buckets[k].rate - below || 1);
    }
  }
  return null;
}

function legend(format, key, byLabels) {
  const values = JSON.parse(key);
  return format.replace(/\{\{(\w+)\}\}/g, (_, name) => values[byLabels.indexOf(name)] ?? '');
}

async function main() {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs/grafana-dashboard.json'), 'utf8'));
  const receiver = createServer((req, res) => {
    req.resume();
    // Some endpoints fail now and then, so that retries and outcomes show.
    const failing = req.url === '/flaky' && Math.random() < 0.3;
    setTimeout(() => res.writeHead(failing ? 500 : 200).end(), 5 + Math.random() * 40);
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${receiver.address().port}`;
  const workDir = mkdtempSync(join(tmpdir(), 'herald-dashboard-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const token = `dashboard-${randomBytes(12).toString('hex')}`;
  const herald = spawn(process.execPath, [join(ROOT, 'dist/apps/all-in-one/src/main.js')], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      HERALD_PORT: String(port),
      HERALD_API_TOKEN: token,
      HERALD_QUEUE_PREFIX: `herald-dashboard-${randomBytes(3).toString('hex')}`,
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_RETRY_SCHEDULE: '0s,2s,5s',
      HERALD_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const api = (method, path, body) =>
    fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  try {
    for (let k = 0; ; k++) {
      if ((await fetch(`${base}/api/v1/health`).catch(() => undefined))?.status === 204) break;
      if (k > 120) throw new Error('Herald did not become ready');
      await sleep(500);
    }
    const apps = [];
    for (const name of ['billing', 'shipping']) {
      const app = await (await api('POST', '/api/v1/app', { name })).json();
      await api('POST', `/api/v1/app/${app.id}/endpoint`, { url: `${target}/ok` });
      await api('POST', `/api/v1/app/${app.id}/endpoint`, { url: `${target}/flaky` });
      apps.push(app.id);
    }
    const scrapes = [];
    const started = Date.now();
    let sending = true;
    const load = (async () => {
      let sent = 0;
      while (sending) {
        // A rate that swells and ebbs over the run: 10 to 70 messages a second.
        const elapsed = (Date.now() - started) / 1_000;
        const perSecond = 40 + 30 * Math.sin((elapsed / seconds) * 2 * Math.PI);
        await Promise.all(
          Array.from({ length: Math.max(1, Math.round(perSecond / 10)) }, () =>
            api('POST', `/api/v1/app/${apps[sent++ % apps.length]}/msg`, { eventType: 'invoice.paid', payload: { n: sent } }).then((r) => r.arrayBuffer()),
          ),
        );
        if (sent % 50 === 0) await api('GET', `/api/v1/app/${apps[0]}/msg?limit=10`).then((r) => r.arrayBuffer());
        await sleep(100);
      }
    })();
    while (Date.now() - started < seconds * 1_000) {
      const text = await (await fetch(`${base}/metrics`)).text();
      scrapes.push({ at: Date.now(), samples: parseExposition(text) });
      await sleep(SCRAPE_MS);
    }
    sending = false;
    await load;

    const panels = dashboard.panels.map((panel) => {
      const series = [];
      for (const targetDef of panel.targets) {
        const by =
          /by \(([^)]*)\)/
            .exec(targetDef.expr)?.[1]
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== 'le') ?? [];
        const perKey = new Map();
        scrapes.forEach((_, i) => {
          for (const [key, value] of evaluate(targetDef.expr, scrapes, i)) {
            if (!perKey.has(key)) perKey.set(key, new Array(scrapes.length).fill(null));
            perKey.get(key)[i] = Number.isFinite(value) ? value : null;
          }
        });
        for (const [key, values] of perKey) series.push({ label: legend(targetDef.legendFormat, key, by), values });
      }
      return { title: panel.title, unit: panel.fieldConfig.defaults.unit, series };
    });
    const times = scrapes.map((scrape) => scrape.at / 1_000);
    await screenshot({ title: dashboard.title, times, panels, seconds });
  } finally {
    herald.kill('SIGTERM');
    receiver.close();
    await sleep(2_000);
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function screenshot(data) {
  const chromiumPath =
    process.env.CHROMIUM_PATH ?? execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  const uplot = readFileSync(join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(join(ROOT, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8');
  const html = `<!doctype html><html><head><style>${css}
    body { margin: 0; background: #111217; color: #ccccdc; font: 13px system-ui, sans-serif; }
    h1 { font-size: 16px; font-weight: 500; margin: 12px 16px 4px; }
    .sub { color: #8e8e9e; margin: 0 16px 8px; font-size: 12px; }
    .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; padding: 8px 16px 16px; }
    .panel { background: #181b1f; border: 1px solid #2c3235; border-radius: 3px; padding: 6px 8px; }
    .panel h2 { font-size: 12px; font-weight: 500; margin: 2px 0 4px; }
    .u-legend { font-size: 11px; color: #ccccdc; } .u-axis { color: #8e8e9e; }
  </style></head><body><h1>${data.title}</h1>
  <div class="sub">Rendered from ${data.panels.length} panels of docs/grafana-dashboard.json over real /metrics scrapes of a Herald all-in-one (${data.seconds} s of varying load, a scrape every 2 s, rates over 10 s)</div>
  <div class="grid" id="grid"></div><script>${uplot}</script><script>
  const data = ${JSON.stringify(data)};
  const colors = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#96d98d'];
  const fmt = { s: (v) => v >= 1 ? v.toFixed(1) + ' s' : (v * 1000).toFixed(0) + ' ms', bytes: (v) => (v / 1048576).toFixed(0) + ' MB',
    percentunit: (v) => (v * 100).toFixed(0) + '%', reqps: (v) => v.toFixed(1) + '/s', ops: (v) => v.toFixed(1) + '/s', short: (v) => String(+v.toFixed(2)) };
  for (const panel of data.panels) {
    const el = document.createElement('div'); el.className = 'panel';
    el.innerHTML = '<h2></h2>'; el.firstChild.textContent = panel.title; document.getElementById('grid').appendChild(el);
    const f = fmt[panel.unit] ?? fmt.short;
    new uPlot({ width: 400, height: 190, legend: { show: true },
      axes: [{ stroke: '#8e8e9e', grid: { stroke: '#2c3235' } }, { stroke: '#8e8e9e', grid: { stroke: '#2c3235' }, size: 60, values: (u, vals) => vals.map((v) => v == null ? '' : f(v)) }],
      series: [{}, ...panel.series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length], width: 1.5, value: (u, v) => v == null ? '–' : f(v) }))],
    }, [data.times, ...panel.series.map((s) => s.values)], el);
  }
  </script></body></html>`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.setContent(html);
    await page.screenshot({ path: join(ROOT, 'docs/grafana-dashboard.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  console.log('wrote docs/grafana-dashboard.png');
}

await main();
