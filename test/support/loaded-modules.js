// Preloaded into a Herald process by tests (NODE_OPTIONS=--require): on SIGWINCH (a signal Nest does not take for a shutdown) it writes the file names of
// every module loaded so far to $LOADED_MODULES_FILE, so a test can tell what a process never loaded.
// Written aside and renamed into place: a test polling for the file never reads it half-written (it once did).
const { renameSync, writeFileSync } = require('node:fs');

process.on('SIGWINCH', () => {
  const file = process.env.LOADED_MODULES_FILE;
  writeFileSync(`${file}.partial`, JSON.stringify(Object.keys(require.cache)));
  renameSync(`${file}.partial`, file);
});
