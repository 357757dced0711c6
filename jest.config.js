const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** One jest config for the monorepo: libs resolve through the same aliases as tsconfig paths. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    // import() becomes require(): jest cannot run dynamic imports without --experimental-vm-modules.
    module: { type: 'commonjs', ignoreDynamic: false },
  },
];

/**
 * Packages that ship only ES modules (NestJS 12 among them). Node 20.19+ loads them from CommonJS, but
 * jest on Node 20 cannot, so swc compiles exactly these; every other package runs as published.
 */
function esmOnlyPackages(dir = join(__dirname, 'node_modules')) {
  const names = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(join(dir, entry))) names.push(`${entry}/${scoped}`);
    } else names.push(entry);
  }
  return names.filter((name) => {
    try {
      return JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  });
}

/** CommonJS packages that import() an ES module (@fastify/cookie loads `cookie` so): compiled too, so import() becomes require(). */
const DYNAMIC_IMPORTERS = ['@fastify/cookie'];

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.{spec,e2e-spec}.ts'],
  transform: { '^.+\\.ts$': swc, '^.+\\.m?js$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${[...esmOnlyPackages(), ...DYNAMIC_IMPORTERS].map(escape).join('|')})/)`],
  moduleNameMapper: { '^@herald/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60_000,
  // A handle a suite leaves open must not hold the run after the last test: the teardown names it (and kills
  // leftover child processes), then jest exits.
  globalTeardown: '<rootDir>/test/support/leftovers.js',
  forceExit: true,
};
