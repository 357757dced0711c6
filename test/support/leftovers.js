// jest's globalTeardown. With --runInBand every suite shares jest's own process, so one handle a suite leaves open
// (a socket, a timer, a child process's pipe) keeps jest from exiting after the run: CI once waited out its whole
// time limit so, after every test had passed. This names what was left, and kills child processes the suites
// left running (a Herald process, a redis-server), so they do not outlive the run; `forceExit` then ends jest.
const { readdirSync, readFileSync } = require('node:fs');

const describeHandle = (handle) => {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (kind === 'Socket') return `Socket ${handle.localAddress ?? ''}:${handle.localPort ?? ''} -> ${handle.remoteAddress ?? 'pipe'}:${handle.remotePort ?? ''}`;
  if (kind === 'Server') return `Server ${JSON.stringify(handle.address?.())}`;
  if (kind === 'ChildProcess') return `ChildProcess ${handle.pid} ${handle.spawnargs?.join(' ')}`;
  if (kind === 'Timeout') return `Timeout ${handle._idleTimeout} ms: ${String(handle._onTimeout).slice(0, 200)}`;
  return kind;
};

/** Processes descended from this one, read from /proc (Linux); none elsewhere. */
function descendants(root) {
  const parents = new Map();
  let entries;
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid …", where comm may hold spaces and parentheses.
      parents.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  const visit = (parent) => {
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        visit(pid);
      }
    }
  };
  visit(root);
  return found;
}

const commandOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
};

module.exports = async () => {
  // A connection the last suite just ended (ioredis's disconnect, an HTTP keep-alive) closes a moment later: wait
  // that moment, so what is listed is what stays open.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const ownStreams = new Set([process.stdin, process.stdout, process.stderr]);
  const handles = process._getActiveHandles().filter((handle) => !ownStreams.has(handle));
  const timers = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'Immediate');
  const children = descendants(process.pid);
  if (handles.length === 0 && timers.length === 0 && children.length === 0) return;
  const lines = [
    ...handles.map(describeHandle),
    ...(timers.length ? [`${timers.length} timer(s)`] : []),
    ...children.map((pid) => `process ${pid} (killed): ${commandOf(pid)}`),
  ];
  console.warn(`[leftovers] the test suites left these open after the run; the suite that opened one should close it:\n  ${lines.join('\n  ')}`);
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
};
