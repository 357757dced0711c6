// Child processes: started with a clean environment, waited for by a line they print, stopped with
// SIGTERM then SIGKILL, measured by their peak resident set.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { trackChild } from './cleanup.mjs';

/**
 * Starts `node <args>` and resolves once a stdout line contains `readyText`, with that line. Fails with
 * the process's recent output if it exits first or is not ready within `timeoutMs`. stdout is drained
 * for good afterwards so a chatty child never blocks on a full pipe; stderr goes to ours.
 */
export async function startNode(args, env, readyText, timeoutMs, extra = {}) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit', ...(extra.ipc ? ['ipc'] : [])],
    ...extra.options,
  });
  trackChild(child);
  let output = '';
  const readyLine = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code, signal) => fail(`exited (${signal ?? code}) before it was ready`);
    function fail(why) {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: ${why}\n${output.slice(-2_000)}`));
    }
    child.once('exit', onExit);
    child.stdout.on('data', (chunk) => {
      if (output === null) return;
      output += chunk;
      const line = output.split('\n').find((candidate) => candidate.includes(readyText));
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      output = null; // keep draining, stop keeping
      resolve(line);
    });
  });
  return { child, readyLine };
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set size (VmHWM) of a live process in MB, or null when it cannot be read (not Linux). */
export function peakRssMb(pid) {
  return statusMb(pid, 'VmHWM');
}

/** CPU time (user + system) a live process has used so far, in seconds, or null when it cannot be read (not Linux). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

/** Resident set size now (VmRSS) in MB, or null. */
export function rssMb(pid) {
  return statusMb(pid, 'VmRSS');
}

function statusMb(pid, field) {
  try {
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

/**
 * Commands the Redis server has run so far (INFO commandstats), or null when it cannot be read. A count,
 * not a time: how much Redis work a delivery costs, steady whatever else the machine is doing (but counting
 * every client of that server: run the bench on a Redis of its own for exact figures).
 */
export async function redisCommands(url) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const stats = await redis.info('commandstats');
    return [...stats.matchAll(/calls=(\d+)/g)].reduce((total, [, calls]) => total + Number(calls), 0);
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}
