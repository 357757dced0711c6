import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '@herald/config';

/**
 * libs/config/src/config.ts reads the settings, README's Configuration section documents them and .env.example
 * lists them, in the same groups: a setting added to one and not the others fails here.
 */
describe('the settings, as read, documented and listed', () => {
  const root = join(__dirname, '..');
  /** Read by the npm start scripts (package.json), not by Herald's config. */
  const SCRIPT_SETTINGS = ['HERALD_MAX_HEAP_MB'];
  /** Settings config.ts still names only to refuse them ("is no longer read"): documented where they went, not listed. */
  const REMOVED = CONFIG_VARIABLES.filter((name) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-config-docs-'));
    try {
      // Any value but for the data directory, which Herald writes its generated API token into.
      loadConfig({ HERALD_DATA_DIR: dataDir, [name]: name === 'HERALD_DATA_DIR' ? dataDir : 'x' });
      return false;
    } catch (error) {
      return new RegExp(`${name}: is no longer read`).test((error as Error).message);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  const READ = CONFIG_VARIABLES.filter((name) => !REMOVED.includes(name));

  /** README: `### Group` headings, each over a table whose rows start with | `NAME` |. */
  function readmeGroups(): [string, string[]][] {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration\n') + 1));
    return section
      .split('\n### ')
      .slice(1)
      .map((group) => [group.split('\n')[0].trim(), [...group.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1])]);
  }

  /** .env.example: `# === Group ===` lines, each over `# NAME=value` (or `NAME=value`) lines. */
  function envExampleGroups(): [string, string[]][] {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    return example
      .split(/^# === /m)
      .slice(1)
      .map((group) => [group.split(' ===')[0].trim(), [...group.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1])]);
  }

  it('README documents every setting config.ts reads, and no other', () => {
    const documented = readmeGroups().flatMap(([, names]) => names);
    expect([...documented].sort()).toEqual([...READ, ...SCRIPT_SETTINGS].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('.env.example lists the same settings in the same groups, in the same order', () => {
    expect(envExampleGroups()).toEqual(readmeGroups());
  });

  it('the settings config.ts does not read are read where the README says', () => {
    const scripts = JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts);
    for (const name of SCRIPT_SETTINGS) expect(scripts).toContain(name);
  });
});
