// Preloaded into a Herald process by tests (NODE_OPTIONS=--require): on SIGWINCH (a signal Nest does not take for a shutdown) it writes the file names of
// every module loaded so far to $LOADED_MODULES_FILE, so a test can tell what a process never loaded.
const { writeFileSync } = require('node:fs');

process.on('SIGWINCH', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));
