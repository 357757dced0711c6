import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Keeps the benchmark harness working: `bench/run.mjs --quick` against the built app (the test script
 * builds first), on SQLite and PostgreSQL. It checks that every scenario ran and every message arrived
 * exactly once, signed; the numbers themselves are the benchmark's business, so no timing is asserted.
 */
describe('benchmark harness (npm run bench -- --quick)', () => {
  const out = mkdtempSync(join(tmpdir(), 'herald-bench-test-'));
  let run: any;
  let markdown: string;

  beforeAll(async () => {
    try {
      // The quick run's own cap is 150 s, its hard stop 30 s later: room for both before this gives up.
      await promisify(execFile)(process.execPath, [join(__dirname, '../bench/run.mjs'), '--quick', '--out', out], {
        timeout: 210_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`bench/run.mjs --quick failed: ${(error as Error).message}\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
    }
    run = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    markdown = readFileSync(join(out, 'latest.md'), 'utf8');
  }, 230_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const find = (system: string, key: string, database: string | null = null) =>
    run.results.find((result: any) => result.system === system && result.key === key && result.database === database);

  it('runs every scenario for Herald on both databases and for both baselines, with no errors or skips', () => {
    const expected: [string, string, string | null][] = [
      ['baseline (b) raw undici', 'burst-1', null],
      ...['burst-1', 'rate-100', 'rate-300'].map((key): [string, string, null] => ['baseline (a) bullmq+undici', key, null]),
      ...['sqlite', 'postgres'].flatMap((database) =>
        ['burst-1', 'burst-100', 'rate-100', 'rate-300'].map((key): [string, string, string] => ['herald', key, database]),
      ),
      ['herald', 'noisy-clean', 'sqlite'],
      ['herald', 'noisy-hanging', 'sqlite'],
      ['herald', 'sse', 'sqlite'],
      ['Herald split: 4 processes', 'burst-1', 'postgres'],
    ];
    for (const [system, key, database] of expected)
      expect({ system, key, database, found: Boolean(find(system, key, database)) }).toEqual({ system, key, database, found: true });
    expect(run.results.filter((result: any) => result.error || result.skipped)).toEqual([]);
    expect(run.quick).toBe(true);
    expect(readdirSync(out).filter((name) => /^\d{4}-.*\.json$/.test(name))).toHaveLength(1);
  });

  it('delivers every message exactly once, signed, with latencies and peak RSS measured', () => {
    for (const result of run.results.filter((r: any) => r.key !== 'sse')) {
      const label = `${result.system} ${result.database ?? ''} ${result.key}`;
      expect({ label, complete: result.complete, timedOut: result.timedOut ?? false, duplicates: result.duplicates }).toEqual({
        label,
        complete: true,
        timedOut: false,
        duplicates: 0,
      });
      expect(result.delivered).toBeGreaterThan(0);
      expect(result.delivered).toBe(result.expectedAttempts);
      for (const p of ['p50', 'p95', 'p99']) expect(typeof result.latencyMs[p]).toBe('number');
      if (result.system === 'herald') {
        expect({ label, unsigned: result.unsigned, badSignatures: result.badSignatures, stray: result.stray }).toEqual({
          label,
          unsigned: 0,
          badSignatures: 0,
          stray: 0,
        });
        expect(result.peakRssMb).toBeGreaterThan(0);
      }
      if (result.key.startsWith('burst')) expect(result.deliveredPerSecond).toBeGreaterThan(0);
    }
    const burst100 = find('herald', 'burst-100', 'sqlite');
    expect(burst100.expectedAttempts).toBe(burst100.messages * 100);
    expect(find('herald', 'noisy-hanging', 'sqlite').hangingRequests).toBeGreaterThan(0);
  });

  it('gets every delivery event to every SSE client once and measures the lag', () => {
    const sse = find('herald', 'sse', 'sqlite');
    expect(sse.connected).toBe(sse.clients);
    expect(sse.expectedEvents).toBe(sse.clients * sse.delivered);
    expect(sse.events).toBeGreaterThan(0);
    expect(sse).toMatchObject({ complete: true, events: sse.expectedEvents, missingEvents: 0, duplicateEvents: 0, droppedClients: 0 });
    for (const p of ['p50', 'p95', 'p99']) expect(typeof sse.lagMs[p]).toBe('number');
  });

  it('computes the ratios and targets, and writes a Markdown table naming every scenario', () => {
    expect(typeof find('herald', 'burst-1', 'sqlite').vsBaselineA).toBe('number');
    expect(typeof find('herald', 'burst-1', 'postgres').vsBaselineB).toBe('number');
    expect(typeof find('herald', 'rate-300', 'postgres').p99VsBaselineA).toBe('number');
    expect(run.targets.length).toBeGreaterThanOrEqual(8);
    expect(run.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
    for (const scenario of [
      'burst, 1 endpoint',
      'burst, 100 endpoints',
      '100 msg/s',
      '300 msg/s',
      'noisy neighbour: clean',
      'noisy neighbour: 1 endpoint hanging',
      'SSE fan-out',
      'baseline (a)',
      'baseline (b)',
    ]) {
      expect(markdown).toContain(scenario);
    }
    expect(markdown).not.toContain('INCOMPLETE');
  });
});

/** Keeps the sustained mixed-load harness working: a few seconds of it, every delivery once, the flaky endpoints failing first. */
describe('sustained mixed-load harness (npm run bench:sustained)', () => {
  const out = mkdtempSync(join(tmpdir(), 'herald-sustained-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('delivers every message once to every endpoint, retrying the flaky ones, and reports each minute', async () => {
    const args = ['--minutes', '0.1', '--rate', '20', '--warmup', '1', '--apps', '2', '--profiles', 'fast', '--out', out];
    await promisify(execFile)(process.execPath, [join(__dirname, '../bench/sustained.mjs'), ...args], { timeout: 150_000, maxBuffer: 16 * 1024 * 1024 });
    const [file] = readdirSync(out).filter((name) => /^sustained-\d{4}-.*\.json$/.test(name));
    const [run] = JSON.parse(readFileSync(join(out, file), 'utf8')).runs;
    expect(run).toMatchObject({ profile: 'fast', complete: true, duplicates: 0, stray: 0, accepted: run.planned });
    // The warm-up's messages are checked like the rest, and kept out of the per-minute figures.
    expect(run.warmup).toMatchObject({ seconds: 1, accepted: 20 });
    const messages = run.planned + run.warmup.accepted;
    expect(run.expectedAttempts).toBe(messages * 5);
    expect(run.failedOnPurpose).toBe(messages / 2); // app 0 of 2 has the flaky endpoint: half the messages
    expect(run.perMinute[0].healthy.count).toBe(run.planned * 4.5); // 4 healthy endpoints in one app, 5 in the other
    expect(run.healthyP99BySecond.length).toBeGreaterThanOrEqual(6);
    expect(run.perMinute[0].rssMb).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(out, 'sustained-latest.md'), 'utf8')).toContain('healthy p99 per minute');
  }, 160_000);
});

/** Keeps the tracing-cost scenario working: the burst untraced and traced, every span of the traced run received by the sink. */
describe('tracing cost (npm run bench -- --only traced)', () => {
  const out = mkdtempSync(join(tmpdir(), 'herald-bench-traced-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs the one-endpoint burst with tracing off and exported, and reports the difference and the spans', async () => {
    await promisify(execFile)(process.execPath, [join(__dirname, '../bench/run.mjs'), '--quick', '--only', 'traced', '--database', 'sqlite', '--out', out], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const run = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    const [off, on] = ['Herald, tracing off', 'Herald, tracing exported'].map((system) => run.results.find((result: any) => result.system === system));
    for (const result of [off, on])
      expect(result).toMatchObject({ key: 'burst-1', database: 'sqlite', complete: true, duplicates: 0, delivered: result.messages });
    expect(typeof on.tracingCpuMsPerMessage).toBe('number');
    expect(typeof on.tracingRateRatio).toBe('number');
    // Three spans per message (ingest, attempt, POST), warm-up included, plus the setup's API requests; none lost.
    expect(on.spansExported).toBeGreaterThanOrEqual(3 * (on.messages + on.warmupMessages));
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('Herald, tracing exported');
  }, 150_000);
});
