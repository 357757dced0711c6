import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Keeps the benchmark harness working: `bench/run.mjs --quick` on the built app, both databases. It checks
 * that every scenario ran and every message arrived exactly once; the numbers are the benchmark's business.
 */
describe('benchmark harness (quick)', () => {
  const out = mkdtempSync(join(tmpdir(), 'herald-bench-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every scenario against Herald and both baselines and writes the report', async () => {
    await promisify(execFile)(process.execPath, [join(__dirname, '../bench/run.mjs'), '--quick', '--out', out], { timeout: 240_000 });
    const run = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    const systems = [...new Set(run.results.map((result: { system: string }) => result.system))];
    expect(systems).toEqual(['herald sqlite', 'herald postgres', 'baseline (a) bullmq+undici', 'baseline (b) raw undici']);
    for (const result of run.results) {
      expect({ ...result, complete: result.attempts === (result.expectedAttempts ?? result.attempts) }).toMatchObject({ complete: true, duplicates: 0 });
      expect(result.attempts).toBeGreaterThan(0);
      if (result.system.startsWith('herald')) {
        expect(result.latencyMs.p99).toEqual(expect.any(Number));
        expect(result.peakRssMb).toBeGreaterThan(0);
      }
    }
    expect(run.results.filter((result: { scenario: string }) => result.scenario.startsWith('burst')).every((result: { deliveredPerSecond: number }) => result.deliveredPerSecond > 0)).toBe(true);
    const markdown = readFileSync(join(out, 'latest.md'), 'utf8');
    for (const scenario of ['burst, 1 endpoint', 'burst, 100 endpoints', '100 msg/s', '300 msg/s']) expect(markdown).toContain(scenario);
  }, 300_000);
});
