import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestHerald, TestHerald } from './support/herald';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/**
 * The README's table of svix SDK methods is written by scripts/svix-compat.mjs from the installed SDK
 * and Herald's own OpenAPI document, so it cannot drift from either: this fails when it is out of date.
 * `UPDATE_SVIX_COMPAT=1 npx jest test/svix-compat.spec.ts` rewrites it.
 */
describe('svix SDK compatibility table in the README', () => {
  let herald: TestHerald;
  let dir: string;
  beforeAll(async () => {
    herald = await startTestHerald();
    dir = mkdtempSync(join(tmpdir(), 'herald-compat-'));
    writeFileSync(join(dir, 'openapi.json'), await (await fetch(`${herald.url}/api/docs/openapi.json`)).text());
  });
  afterAll(async () => {
    await herald?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every method of the svix SDK users install, as Herald serves it today', async () => {
    const mode = process.env.UPDATE_SVIX_COMPAT ? '--out' : '--check';
    const result = await run(process.execPath, ['scripts/svix-compat.mjs', '--sdk', 'svix', '--openapi', join(dir, 'openapi.json'), mode, 'README.md'], {
      cwd: ROOT,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect({ code: 'code' in result ? result.code : 0, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
