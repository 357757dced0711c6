#!/usr/bin/env node
// Writes the README's svix SDK compatibility table: every method reachable from `new Svix(...)` in the
// INSTALLED svix package, its HTTP method and path, and whether Herald serves that route. "Supported"
// comes from Herald's own OpenAPI document, never from a hand-kept list, so the table cannot drift from
// what the API really serves.
//
//   node scripts/svix-compat.mjs [--sdk <dir|package>] [--openapi <file|url>] [--out <file>] [--check <README.md>]
//
//   --sdk      svix package directory or name resolvable from the repo (default: svix; e.g. an npm alias svix2)
//   --openapi  Herald's OpenAPI JSON, a file or a URL (default http://127.0.0.1:8071/api/docs/openapi.json)
//   --out      write the table there: a new file gets the table alone, an existing one (the README) only
//              has the text between <!-- svix-compat:start --> and <!-- svix-compat:end --> replaced
//   --check    exit 1 when the table between those markers in that file differs from the generated one
//
// With neither --out nor --check the table goes to stdout. Exit codes: 0 ok, 1 check failed, 2 error.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- svix-compat:start -->';
const END = '<!-- svix-compat:end -->';

// ---------------------------------------------------------------------------------------------------
// Reading the SDK. The svix SDK is generated: each resource is a class whose methods build
// `new SvixRequest(HttpMethod.GET, "/api/v1/...")` (TypeScript source and 1.x CommonJS dist) or
// `new SvixRequest("GET", "/api/v1/...")` (2.x bundled dist), and sub-resources are getters
// `get endpoint() { return new OperationalWebhookEndpoint(this.requestCtx); }`. We parse that text
// rather than load the package, so any SDK version can be read without running it (2.x needs Node 22).

/** Package directory for --sdk: a directory as given, else a package name resolved from the repo. */
function sdkDir(spec) {
  if (existsSync(spec) && statSync(spec).isDirectory()) return resolve(spec);
  const require = createRequire(join(REPO, 'package.json'));
  try {
    return dirname(require.resolve(`${spec}/package.json`));
  } catch {
    // A package whose `exports` hides package.json: resolve its entry point and climb to its root.
    let dir = dirname(require.resolve(spec));
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    return dir;
  }
}

function listFiles(dir, exts) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => exts.some((e) => f.endsWith(e)) && !f.endsWith('.d.ts') && !/\.test\.|\.spec\./.test(f));
}

/** Where a relative import or require in `file` points, trying the extensions builds use. */
function resolveImport(file, spec) {
  const base = resolve(dirname(file), spec);
  return ['', '.js', '.ts', '.mjs', '.cjs', '/index.js', '/index.ts'].map((e) => base + e).find((p) => existsSync(p) && statSync(p).isFile());
}

const METHOD_HEAD = /^[ \t]*(?:public[ \t]+)?(?:async[ \t]+)?([A-Za-z_$][\w$]*)[ \t]*\(/gm;
const NOT_METHODS = new Set(['if', 'for', 'while', 'switch', 'catch', 'function', 'return', 'constructor', 'super']);
const REQUEST = /SvixRequest\(\s*(?:[\w$.]*HttpMethod\.(\w+)|["'](\w+)["'])\s*,\s*["'`]([^"'`]+)["'`]/;
const GETTER = /^[ \t]*(?:public[ \t]+)?get[ \t]+([\w$]+)\(\)[^{]*\{\s*return new ([\w$.]+)\(/gm;

/** Classes of one file: name, body text, and which file each imported name comes from. */
function parseFile(file) {
  const text = readFileSync(file, 'utf8');
  const imports = {};
  // ESM: import { A, B as C } from "./x"   CommonJS: const x_1 = require("./x")
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*["'](\.[^"']+)["']/g)) {
    for (const part of m[1].split(',')) {
      const local = part
        .replace(/\btype\b/, '')
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (local) imports[local] = resolveImport(file, m[2]);
    }
  }
  for (const m of text.matchAll(/(?:const|var|let)\s+([\w$]+)\s*=\s*require\(["'](\.[^"']+)["']\)/g)) imports[m[1]] = resolveImport(file, m[2]);

  // A class runs from its header to the first `}` or `};` at column 0 (generated code is formatted).
  const classes = [];
  for (const m of text.matchAll(/^(?:export\s+)?(?:class\s+([\w$]+)|(?:var|let|const)\s+([\w$]+)\s*=\s*class\b)[^{\n]*\{/gm)) {
    const rest = text.slice(m.index);
    const end = rest.search(/\n\};?[ \t]*(?:\n|$)/);
    classes.push({ name: m[1] ?? m[2], file, body: end < 0 ? rest : rest.slice(0, end), imports });
  }
  return classes;
}

/** Methods of a class, in source order: name plus the HTTP method and path of the request it builds. */
function methodsOf(cls) {
  const heads = [...cls.body.matchAll(METHOD_HEAD)].filter((m) => !NOT_METHODS.has(m[1]) && m.index > 0);
  const methods = heads.map((m, i) => {
    const text = cls.body.slice(m.index, heads[i + 1]?.index);
    const req = text.match(REQUEST);
    return { name: m[1], http: req ? (req[1] ?? req[2]).toUpperCase() : null, path: req?.[3] ?? null, calls: text.match(/this\.([\w$]+)\(/)?.[1] };
  });
  // Deprecated aliases (1.x `endpoint.headersUpdate` → `this.updateHeaders(...)`) take their target's route.
  for (const m of methods) {
    const target = !m.http && methods.find((t) => t.name === m.calls && t.http);
    if (target) Object.assign(m, { http: target.http, path: target.path });
  }
  return methods.filter((m) => m.http); // helpers that build no request are not API methods
}

/** The SDK's surface: one row per method reachable from the Svix class, e.g. `operationalWebhook.endpoint.list`. */
function readSdk(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  // Prefer dist (what actually runs); fall back to src for a package that ships source only.
  for (const files of [listFiles(join(dir, 'dist'), ['.js', '.mjs', '.cjs']), listFiles(join(dir, 'src'), ['.ts'])]) {
    const classes = files.flatMap(parseFile);
    const root = classes.find((c) => c.name === 'Svix' && c.body.includes('requestCtx'));
    if (!root) continue;
    // Resolve `new X(` / `new x_1.X(` as the file that holds it would: its own classes, then its imports.
    const find = (from, ref) => {
      const [alias, name] = ref.includes('.') ? ref.split('.') : [ref, ref];
      const target = ref.includes('.') ? from.imports[alias] : classes.some((c) => c.file === from.file && c.name === name) ? from.file : from.imports[name];
      return classes.find((c) => c.name === name && c.file === target) ?? classes.find((c) => c.name === name);
    };
    const rows = [];
    const walk = (cls, prefix, seen) => {
      for (const [, prop, ref] of cls.body.matchAll(GETTER)) {
        const sub = find(cls, ref);
        if (sub && !seen.has(sub)) walk(sub, `${prefix}${prop}.`, new Set([...seen, sub]));
      }
      for (const m of methodsOf(cls)) rows.push({ sdk: prefix + m.name, http: m.http, path: m.path });
    };
    walk(root, '', new Set([root]));
    if (rows.length) return { name: pkg.name, version: pkg.version, rows };
  }
  throw new Error(`no Svix class with resources found in ${dir} (dist/ or src/)`);
}

// ---------------------------------------------------------------------------------------------------
// Herald's routes, from its OpenAPI document.

async function loadOpenApi(spec) {
  if (/^https?:\/\//.test(spec)) {
    const res = await fetch(spec);
    if (!res.ok) throw new Error(`${spec}: HTTP ${res.status}`);
    return res.json();
  }
  return JSON.parse(readFileSync(spec, 'utf8'));
}

// Paths match by shape: parameter names may differ ({app_id} vs {appId}), their positions may not.
const shape = (path) => path.replace(/\{[^}]*\}/g, '{}').replace(/\/+$/, '');

// The SDK always asks for and parses JSON. An operation whose success responses declare content types,
// none of them JSON (say Herald's SSE `GET /api/v1/stream`, once documented as text/event-stream),
// only shares the SDK's path, so it does not count.
function answersJson(op) {
  const types = Object.entries(op.responses ?? {})
    .filter(([code]) => code.startsWith('2'))
    .flatMap(([, r]) => Object.keys(r.content ?? {}));
  return types.length === 0 || types.some((t) => /json/.test(t));
}

function servedRoutes(doc) {
  const verbs = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
  const served = new Set();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const verb of verbs) if (item[verb] && answersJson(item[verb])) served.add(`${verb.toUpperCase()} ${shape(path)}`);
  }
  return served;
}

// ---------------------------------------------------------------------------------------------------
// The table.

function renderTable(sdk, served) {
  const rows = sdk.rows.map((r) => ({ ...r, ok: served.has(`${r.http} ${shape(r.path)}`) }));
  const yes = rows.filter((r) => r.ok).length;
  return [
    `${sdk.name} ${sdk.version}: ${rows.length} SDK methods, ${yes} supported, ${rows.length - yes} not yet.`,
    '',
    '| SDK method | HTTP | path | Herald |',
    '|---|---|---|---|',
    ...rows.map((r) => `| \`${r.sdk}\` | ${r.http} | \`${r.path}\` | ${r.ok ? 'supported' : 'not yet'} |`),
  ].join('\n');
}

/** The text between the markers, or null when the file has none. */
function between(text) {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  return a < 0 || b < a ? null : text.slice(a + START.length, b);
}

async function main() {
  const { values } = parseArgs({
    options: {
      sdk: { type: 'string', default: 'svix' },
      openapi: { type: 'string', default: 'http://127.0.0.1:8071/api/docs/openapi.json' },
      out: { type: 'string' },
      check: { type: 'string' },
    },
  });
  const table = renderTable(readSdk(sdkDir(values.sdk)), servedRoutes(await loadOpenApi(values.openapi)));

  if (values.check) {
    const current = between(readFileSync(values.check, 'utf8'));
    if (current === null) {
      console.error(`${values.check}: no ${START} … ${END} block`);
      process.exit(1);
    }
    if (current.trim() !== table.trim()) {
      console.error(`${values.check}: the svix compatibility table is out of date; regenerate it with --out ${values.check}`);
      process.exit(1);
    }
    console.log(`${values.check}: svix compatibility table is up to date`);
  } else if (values.out) {
    // An existing document (the README) gets only its marked block replaced; without markers it is left
    // alone rather than overwritten. A new file gets the table by itself.
    const old = existsSync(values.out) ? readFileSync(values.out, 'utf8') : null;
    if (old !== null && between(old) === null) throw new Error(`${values.out} exists and has no ${START} … ${END} block`);
    const next = old === null ? `${table}\n` : `${old.slice(0, old.indexOf(START))}${START}\n${table}\n${END}${old.slice(old.indexOf(END) + END.length)}`;
    writeFileSync(values.out, next);
  } else {
    process.stdout.write(`${table}\n`);
  }
}

main().catch((err) => {
  console.error(`svix-compat: ${err.message}`);
  process.exit(2);
});
