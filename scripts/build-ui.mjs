#!/usr/bin/env node
// Builds Herald's two pages with esbuild: the admin UI (apps/admin/ui/src/main.tsx, into dist/ui) and the
// consumer portal (apps/admin/ui/src/portal/main.tsx, into dist/portal). They share apps/admin/ui/src/shared
// and the wire types of libs/contract. Each is one minified bundle of script and one of styles,
// content-hashed so browsers may cache them for good, and an index.html that names them.
// Part of `npm run build`, so `npm start` and `npm test` always serve fresh pages.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const source = join(root, 'apps/admin/ui');

const PAGES = [
  { name: 'admin UI', entry: 'src/main.tsx', html: 'index.html', out: 'dist/ui' },
  { name: 'consumer portal', entry: 'src/portal/main.tsx', html: 'portal.html', out: 'dist/portal' },
];

for (const page of PAGES) {
  const out = join(root, page.out);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const started = performance.now();
  const result = await build({
    entryPoints: [join(source, page.entry)],
    outdir: out,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const styles = outputs.find((file) => file.endsWith('.css'));
  const html = readFileSync(join(source, page.html), 'utf8').replace('%SCRIPT%', script).replace('%STYLES%', styles);
  writeFileSync(join(out, 'index.html'), html);
  const bytes = outputs
    .filter((file) => !file.endsWith('.map'))
    .map((file) => `${file} ${(result.metafile.outputs[`${page.out}/${file}`]?.bytes / 1024).toFixed(1)} KB`);
  console.log(`${page.name} built in ${Math.round(performance.now() - started)} ms: ${bytes.join(', ')}`);
}
