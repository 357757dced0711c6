// Lint: typescript-eslint's recommended rules, and the layering of apps and libs, which a violation fails
// in `npm test`. Formatting is Prettier's (.prettierrc.json), checked beside.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Which libs each lib may import (the arrows of the architecture diagram in the README). Anything not
 * listed is refused, and so are apps/ from any lib.
 */
const LAYERS = {
  config: [],
  signing: [],
  batching: [],
  contract: [],
  tracing: ['config'],
  persistence: ['config', 'batching', 'contract', 'signing'],
  queue: ['config', 'contract'],
  live: ['config', 'queue', 'batching', 'contract'],
  domain: ['config', 'persistence', 'queue', 'live', 'signing', 'batching', 'contract', 'tracing'],
  api: ['contract', 'domain', 'persistence'],
  platform: ['config', 'persistence', 'queue', 'live', 'domain', 'api', 'contract', 'tracing'],
};

/** Packages a lib must not reach for: the domain knows no database driver, no HTTP server and no wire format. */
const FORBIDDEN_PACKAGES = {
  domain: ['typeorm', 'fastify', '@nestjs/platform-fastify', 'pg', 'better-sqlite3'],
  api: ['typeorm', 'fastify', 'ioredis', 'bullmq'],
  contract: ['*'],
  persistence: ['fastify', '@nestjs/platform-fastify', 'bullmq'],
};

const libs = Object.keys(LAYERS);
const layering = libs.map((lib) => ({
  files: [`libs/${lib}/src/**/*.ts`],
  rules: {
    'import-x/no-restricted-paths': [
      'error',
      {
        zones: [
          { target: `libs/${lib}/src`, from: 'apps', message: 'libs never import apps' },
          ...libs
            .filter((other) => other !== lib && !LAYERS[lib].includes(other))
            .map((other) => ({
              target: `libs/${lib}/src`,
              from: `libs/${other}/src`,
              message: `libs/${lib} may import only ${LAYERS[lib].join(', ') || 'no other lib'} (eslint.config.mjs)`,
            })),
        ],
      },
    ],
    'no-restricted-imports': [
      'error',
      {
        patterns: (FORBIDDEN_PACKAGES[lib] ?? []).map((name) =>
          name === '*'
            ? { regex: '^[^.]', message: 'the wire contract imports nothing but itself: the admin UI bundles it' }
            : { group: [name, `${name}/*`], message: `libs/${lib} must not depend on ${name}` },
        ),
      },
    ],
  },
}));

/** An app imports libs, never another app (only the all-in-one composes the three), and reaches the database only through the repositories. */
const APPS = ['ingest', 'delivery', 'admin', 'all-in-one'];
const apps = APPS.map((app) => ({
  // The all-in-one imports the three apps (its delivery thread the delivery app): that is what it is for.
  ...(app === 'all-in-one' ? { ignores: ['apps/all-in-one/src/herald-apps.ts', 'apps/all-in-one/src/delivery-thread.ts'] } : {}),
  files: [`apps/${app}/src/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: ['typeorm', 'typeorm/*'], message: 'apps reach the database through the repositories of libs/persistence' }] },
    ],
    'import-x/no-restricted-paths': [
      'error',
      {
        zones: APPS.filter((other) => other !== app).map((other) => ({
          target: `apps/${app}`,
          from: `apps/${other}`,
          message: 'apps share code through libs, not through each other',
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'data/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      // import-x's TypeScript settings (which files it parses, for cycles), with tsconfig's paths for @herald/*.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'apps/admin/ui/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  ...layering,
  ...apps,
  {
    // Tests reach into whatever they test, and assert on loosely typed answers.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
