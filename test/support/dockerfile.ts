import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';

/**
 * Follows a Dockerfile without a Docker engine: every stage gets a temp folder standing for the image's
 * root (/), COPY copies what Docker would copy (from the build context minus .dockerignore, or from an
 * earlier stage's folder), RUN runs with `sh -c` in the folder of WORKDIR with the stage's ENV. The host
 * stands in for the base image (its node, npm, sh, compiler): what the base image brings is not checked,
 * everything the Dockerfile adds is.
 *
 * Commands that only make sense as root inside the image are skipped, and listed in each step's `skipped`
 * (a RUN's commands joined by && are taken one by one):
 * - system package installs (apt-get, apk…, and the cleaning of their caches): the host must already have
 *   those packages (.ci/run installs python3, make and g++ for better-sqlite3; for tini, see `startCommand`);
 * - user and ownership management (chown, useradd…), and USER: everything runs as the test's user.
 * Anything else a RUN does outside the stage's folder (an absolute path that is not under it once the
 * image's paths are mapped) fails the build instead of touching the host.
 */

export interface Instruction {
  keyword: string;
  /** Leading --name=value flags (COPY --from, HEALTHCHECK --interval…). */
  flags: Record<string, string>;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  index: number;
  name?: string;
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  stages: Stage[];
  /** ARGs declared before the first FROM. */
  globalArgs: Record<string, string>;
}

const PACKAGE_MANAGERS = new Set(['apt-get', 'apt', 'apk', 'yum', 'dnf', 'microdnf', 'zypper']);
const PACKAGE_MANAGER_ANYWHERE = /(^|[\s;&|(])(apt-get|apt|apk|yum|dnf|microdnf|zypper)\s/;
/** The package managers' caches, which a RUN cleans after an install: `rm -rf /var/lib/apt/lists/*`. */
const PACKAGE_CACHES = /^rm\s.*\/var\/(lib\/apt|cache\/(apt|apk|yum|dnf))\b/;
const ROOT_ONLY = new Set(['chown', 'chgrp', 'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'userdel']);

/** The program a simple command runs, after any leading VAR=value assignments. */
const programOf = (command: string) => shellWords(command).find((word) => !/^\w+=/.test(word)) ?? '';
const INITS = new Set(['tini', 'tini-static', 'docker-init', 'dumb-init']);

export function parseDockerfile(text: string): Dockerfile {
  const stages: Stage[] = [];
  const globalArgs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    // Continuation lines; comment lines inside a continuation are dropped, as Docker does.
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1).trimEnd();
      let next = lines[++i].trim();
      while (next.startsWith('#') && i + 1 < lines.length) next = lines[++i].trim();
      line = `${line} ${next}`.trim();
    }
    const match = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = match[1].toUpperCase();
    let args = match[2];
    if (/<<-?["']?\w+/.test(args) && ['RUN', 'COPY', 'ADD'].includes(keyword)) {
      throw new Error(`Dockerfile line ${start + 1}: heredocs are not supported by this test`);
    }
    const flags: Record<string, string> = {};
    for (let flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args); flag; flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args)) {
      flags[flag[1]] = flag[2] ?? 'true';
      args = args.slice(flag[0].length);
    }
    const instruction = { keyword, flags, args: args.trim(), line: start + 1 };
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: cannot read FROM ${instruction.args}`);
      stages.push({ index: stages.length, name: from[2], base: from[1], instructions: [] });
    } else if (!stages.length) {
      if (keyword !== 'ARG') throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
      Object.assign(globalArgs, parseAssignments(instruction.args, {}, true));
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  if (!stages.length) throw new Error('Dockerfile has no FROM');
  return { stages, globalArgs };
}

/** The JSON (exec) form of CMD, ENTRYPOINT, RUN, COPY, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** CMD, ENTRYPOINT and HEALTHCHECK commands as the argv Docker runs (the shell form through /bin/sh -c). */
export function commandOf(args: string): string[] {
  return execForm(args) ?? ['/bin/sh', '-c', args];
}

export interface Healthcheck {
  options: Record<string, string>;
  argv: string[];
}

export function healthcheckOf(instruction: Instruction): Healthcheck | undefined {
  if (/^NONE$/i.test(instruction.args)) return undefined;
  const cmd = /^CMD\s+(.*)$/i.exec(instruction.args);
  if (!cmd) throw new Error(`Dockerfile line ${instruction.line}: cannot read HEALTHCHECK ${instruction.args}`);
  return { options: instruction.flags, argv: commandOf(cmd[1]) };
}

/** Docker's ${VAR}, ${VAR:-default}, ${VAR:+alternative} and $VAR, as in ENV, WORKDIR, COPY (not RUN or CMD). */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\\\$|\$\{(\w+)(?::([-+])([^}]*))?\}|\$(\w+)/g, (all, braced, op, word, bare) => {
    if (all === '\\$') return '$';
    const value = vars[braced ?? bare];
    if (op === '-') return value ? value : word;
    if (op === '+') return value ? word : '';
    return value ?? '';
  });
}

/** ENV and ARG: `a=1 b="two words"`, or the legacy `ENV key value`. */
function parseAssignments(args: string, vars: Record<string, string>, isArg = false): Record<string, string> {
  if (!isArg && !/^[\w.-]+=/.test(args)) {
    const legacy = /^(\S+)\s+(.*)$/.exec(args);
    if (!legacy) throw new Error(`cannot read ENV ${args}`);
    return { [legacy[1]]: substitute(legacy[2], vars) };
  }
  const result: Record<string, string> = {};
  for (const word of shellWords(args)) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      if (isArg) continue; // ARG without a default: not set
      throw new Error(`cannot read ENV ${args}`);
    }
    result[word.slice(0, eq)] = substitute(word.slice(eq + 1), { ...vars, ...result });
  }
  return result;
}

/** Splits on blanks outside quotes; quotes are removed, backslash escapes kept literal inside "". */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/** `a && b && c` → ['a', 'b', 'c'], `&&` inside quotes left alone. */
function splitAndList(command: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '&' && command[i + 1] === '&') {
      parts.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += c;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

/** .dockerignore as Docker reads it (moby/patternmatcher): last matching pattern wins, `!` re-includes, a match covers what is under it. */
export class DockerIgnore {
  private readonly patterns: { regex: RegExp; exclusion: boolean }[];

  constructor(text: string) {
    this.patterns = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const exclusion = line.startsWith('!');
        let pattern = posix
          .normalize((exclusion ? line.slice(1) : line).trim())
          .replace(/^\/+/, '')
          .replace(/\/+$/, '');
        if (pattern === '.') pattern = '';
        return { regex: globToRegex(pattern), exclusion };
      });
  }

  static of(contextDir: string): DockerIgnore {
    const file = join(contextDir, '.dockerignore');
    return new DockerIgnore(existsSync(file) ? readFileSync(file, 'utf8') : '');
  }

  /** `path` relative to the context, with forward slashes. */
  ignores(path: string): boolean {
    const candidates = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const { regex, exclusion } of this.patterns) {
      if (candidates.some((candidate) => regex.test(candidate))) ignored = !exclusion;
    }
    return ignored;
  }

  get hasExclusions(): boolean {
    return this.patterns.some((pattern) => pattern.exclusion);
  }
}

function globToRegex(pattern: string): RegExp {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        regex += '(?:.*/)?';
      } else regex += '.*';
    } else if (c === '*') regex += '[^/]*';
    else if (c === '?') regex += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) regex += '\\[';
      else {
        regex += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else regex += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`);
}

const hasGlob = (path: string) => /[*?[]/.test(path);

/** Paths matching `pattern` (relative to `root`, with * ? [] in any segment), in order. */
function expand(root: string, pattern: string): string[] {
  const segments = pattern.split('/').filter((segment) => segment && segment !== '.');
  let matches = [''];
  for (const segment of segments) {
    const next: string[] = [];
    for (const match of matches) {
      if (!hasGlob(segment)) {
        if (existsSync(join(root, match, segment))) next.push(posix.join(match, segment));
        continue;
      }
      const dir = join(root, match);
      if (!existsSync(dir) || !lstatSync(dir).isDirectory()) continue;
      const regex = globToRegex(segment);
      for (const entry of readdirSync(dir).sort()) if (regex.test(entry)) next.push(posix.join(match, entry));
    }
    matches = next;
  }
  return matches;
}

export interface StepLog {
  stage: string;
  line: number;
  step: string;
  /** What was run (after mapping paths), or why it was skipped. */
  ran?: string;
  skipped?: string;
  ms: number;
}

export interface BuiltStage {
  stage: Stage;
  /** The folder that stands for the stage's / */
  root: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string>;
  user?: string;
  cmd?: string[];
  entrypoint?: string[];
  /** A shell-form ENTRYPOINT ignores CMD. */
  entrypointIsShell?: boolean;
  healthcheck?: Healthcheck;
  exposed: string[];
  volumes: string[];
}

export interface BuildOptions {
  contextDir: string;
  dockerfile?: string;
  /** The environment every RUN gets before the stage's ENV: the base image's PATH, HOME… (the host's here). */
  baseEnv: Record<string, string>;
  /** Kill a RUN that takes longer than this. */
  runTimeoutMs?: number;
  onStep?: (step: StepLog) => void;
}

export class DockerfileBuild {
  readonly stages: BuiltStage[] = [];
  readonly steps: StepLog[] = [];
  readonly dockerfile: Dockerfile;
  private readonly ignore: DockerIgnore;
  private readonly tempRoot: string;

  constructor(private readonly options: BuildOptions) {
    this.dockerfile = parseDockerfile(readFileSync(options.dockerfile ?? join(options.contextDir, 'Dockerfile'), 'utf8'));
    this.ignore = DockerIgnore.of(options.contextDir);
    this.tempRoot = mkdtempSync(join(tmpdir(), 'herald-image-'));
  }

  /** The last stage: the image `docker build` produces. */
  get image(): BuiltStage {
    return this.stages[this.stages.length - 1];
  }

  /** The host folder a path of a stage's filesystem maps to. */
  hostPath(stage: BuiltStage, containerPath: string): string {
    return join(stage.root, posix.resolve(stage.workdir, containerPath));
  }

  async build(): Promise<this> {
    for (const stage of this.dockerfile.stages) await this.buildStage(stage);
    return this;
  }

  cleanup(): void {
    rmSync(this.tempRoot, { recursive: true, force: true });
  }

  private async buildStage(stage: Stage): Promise<void> {
    const label = stage.name ?? String(stage.index);
    const from = this.stageRef(stage.base);
    if (from) throw new Error(`FROM ${stage.base}: a stage built on another stage is not supported by this test`);
    const root = join(this.tempRoot, `stage-${stage.index}-${label}`);
    mkdirSync(root, { recursive: true });
    const built: BuiltStage = { stage, root, workdir: '/', env: {}, args: {}, exposed: [], volumes: [] };
    this.stages.push(built);
    for (const instruction of stage.instructions) {
      const started = performance.now();
      const step: StepLog = { stage: label, line: instruction.line, step: `${instruction.keyword} ${rawFlags(instruction)}${instruction.args}`, ms: 0 };
      const vars = { ...built.args, ...built.env };
      switch (instruction.keyword) {
        case 'WORKDIR':
          built.workdir = posix.resolve(built.workdir, substitute(instruction.args, vars));
          mkdirSync(this.hostPath(built, built.workdir), { recursive: true });
          break;
        case 'ENV':
          Object.assign(built.env, parseAssignments(instruction.args, vars));
          break;
        case 'ARG':
          for (const [name, value] of Object.entries(parseAssignments(instruction.args, {}, true))) {
            built.args[name] = substitute(value, vars);
          }
          for (const name of shellWords(instruction.args).map((word) => word.split('=')[0])) {
            if (!(name in built.args) && name in this.dockerfile.globalArgs) built.args[name] = this.dockerfile.globalArgs[name];
          }
          break;
        case 'COPY':
          step.ran = this.copy(built, instruction, vars);
          break;
        case 'ADD':
          throw new Error(`Dockerfile line ${instruction.line}: ADD is not supported by this test (use COPY)`);
        case 'RUN':
          Object.assign(step, await this.run(built, instruction));
          break;
        case 'USER':
          built.user = substitute(instruction.args, vars);
          step.skipped = 'the test runs everything as its own user';
          break;
        case 'CMD':
          built.cmd = commandOf(instruction.args);
          break;
        case 'ENTRYPOINT':
          built.entrypoint = commandOf(instruction.args);
          built.entrypointIsShell = !execForm(instruction.args);
          built.cmd = undefined; // Docker resets an inherited CMD when ENTRYPOINT is set
          break;
        case 'HEALTHCHECK':
          built.healthcheck = healthcheckOf(instruction);
          break;
        case 'EXPOSE':
          built.exposed.push(...substitute(instruction.args, vars).split(/\s+/));
          break;
        case 'VOLUME':
          built.volumes.push(...(execForm(instruction.args) ?? substitute(instruction.args, vars).split(/\s+/)));
          break;
        case 'LABEL':
        case 'STOPSIGNAL':
        case 'SHELL':
        case 'ONBUILD':
        case 'MAINTAINER':
          if (instruction.keyword === 'SHELL' || instruction.keyword === 'ONBUILD') {
            throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} is not supported by this test`);
          }
          break;
        default:
          throw new Error(`Dockerfile line ${instruction.line}: unknown instruction ${instruction.keyword}`);
      }
      step.ms = Math.round(performance.now() - started);
      this.steps.push(step);
      this.options.onStep?.(step);
    }
  }

  private stageRef(ref: string): BuiltStage | undefined {
    return this.stages.find((stage) => stage.stage.name === ref || String(stage.stage.index) === ref);
  }

  private copy(stage: BuiltStage, instruction: Instruction, vars: Record<string, string>): string {
    const where = `Dockerfile line ${instruction.line}`;
    for (const flag of Object.keys(instruction.flags)) {
      if (!['from', 'chown', 'chmod', 'link'].includes(flag)) throw new Error(`${where}: COPY --${flag} is not supported by this test`);
    }
    const words = (execForm(instruction.args) ?? instruction.args.split(/\s+/)).map((word) => substitute(word, vars));
    if (words.length < 2) throw new Error(`${where}: COPY needs a source and a destination`);
    const sources = words.slice(0, -1);
    const dest = posix.resolve(stage.workdir, words[words.length - 1]);
    const destIsDir = words[words.length - 1].endsWith('/') || sources.length > 1 || sources.some(hasGlob);
    const fromRef = instruction.flags.from;
    const from = fromRef === undefined ? undefined : this.stageRef(fromRef);
    if (fromRef !== undefined && !from) throw new Error(`${where}: COPY --from=${fromRef}: only earlier stages are supported by this test`);

    const copied: string[] = [];
    for (const source of sources) {
      // With --from, sources are paths in that stage's filesystem (relative ones from its /); otherwise in the context.
      const sourceRoot = from ? from.root : this.options.contextDir;
      const relativeSource = from ? posix.resolve('/', source).slice(1) : posix.normalize(source).replace(/^(\.\/)+/, '');
      if (!from && (relativeSource.startsWith('..') || isAbsolute(source))) throw new Error(`${where}: ${source} is outside the build context`);
      // What .dockerignore excludes is not in the context at all (a directory stays reachable when a `!` pattern may re-include part of it).
      const matches = expand(sourceRoot, relativeSource).filter(
        (path) => from || !this.ignore.ignores(path) || (this.ignore.hasExclusions && lstatSync(join(sourceRoot, path)).isDirectory()),
      );
      if (!matches.length) {
        throw new Error(`${where}: COPY failed: "${source}" not found ${from ? `in stage ${fromRef}` : 'in the build context (or excluded by .dockerignore)'}`);
      }
      for (const match of matches) {
        const hostSource = join(sourceRoot, match);
        const isDir = lstatSync(hostSource).isDirectory();
        // A directory's contents are copied, not the directory itself; a file into dest/ or as dest.
        const target = isDir ? dest : destIsDir ? posix.join(dest, basename(match)) : dest;
        const hostTarget = join(stage.root, target);
        if (from) {
          mkdirSync(isDir ? hostTarget : dirname(hostTarget), { recursive: true });
          cpSync(hostSource, hostTarget, { recursive: true, verbatimSymlinks: true, force: true });
        } else {
          this.copyFromContext(match, hostTarget);
        }
        copied.push(`${from ? `${fromRef}:/` : ''}${match} → ${target}`);
      }
    }
    return copied.join(', ');
  }

  /** Copies a file or a directory's contents from the context, leaving out what .dockerignore excludes. */
  private copyFromContext(path: string, hostTarget: string): void {
    const source = join(this.options.contextDir, path);
    const stat = lstatSync(source);
    if (stat.isDirectory()) {
      if (path && this.ignore.ignores(path) && !this.ignore.hasExclusions) return;
      mkdirSync(hostTarget, { recursive: true });
      for (const entry of readdirSync(source)) {
        const child = path ? `${path}/${entry}` : entry;
        if (!lstatSync(join(source, entry)).isDirectory() && this.ignore.ignores(child)) continue;
        this.copyFromContext(child, join(hostTarget, entry));
      }
      return;
    }
    if (this.ignore.ignores(path)) return;
    mkdirSync(dirname(hostTarget), { recursive: true });
    rmSync(hostTarget, { force: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), hostTarget);
    else {
      copyFileSync(source, hostTarget);
      chmodSync(hostTarget, stat.mode & 0o777);
    }
  }

  private async run(stage: BuiltStage, instruction: Instruction): Promise<Partial<StepLog>> {
    const where = `Dockerfile line ${instruction.line}`;
    const exec = execForm(instruction.args);
    if (exec) throw new Error(`${where}: exec-form RUN is not supported by this test`);
    const kept: string[] = [];
    const packages: string[] = [];
    const rootOnly: string[] = [];
    for (const part of splitAndList(instruction.args)) {
      const program = programOf(part);
      if (PACKAGE_MANAGERS.has(program) || PACKAGE_CACHES.test(part)) packages.push(part);
      else if (ROOT_ONLY.has(program)) rootOnly.push(part);
      else if (PACKAGE_MANAGER_ANYWHERE.test(part)) {
        throw new Error(`${where}: cannot tell the system package install from the rest of "${part}"; join the commands with &&`);
      } else kept.push(mapPaths(part, stage, where));
    }
    const skipped =
      [packages.length ? `system packages, the host provides them: ${packages.join(' && ')}` : '', rootOnly.length ? `root-only: ${rootOnly.join(' && ')}` : '']
        .filter(Boolean)
        .join('; ') || undefined;
    if (!kept.length) return { skipped };
    const command = kept.join(' && ');
    const env = { ...this.options.baseEnv, ...stage.args, ...stage.env };
    const result = await runCommand(['sh', '-c', command], {
      cwd: this.hostPath(stage, stage.workdir),
      env,
      timeoutMs: this.options.runTimeoutMs ?? 10 * 60_000,
    });
    if (result.code !== 0) {
      const tail = result.output.trimEnd().split('\n').slice(-40).join('\n');
      throw new Error(
        `${where}: RUN ${instruction.args}\nfailed with ${result.signal ?? `exit code ${result.code}`} (ran: sh -c '${command}' in ${stage.stage.name ?? stage.stage.index}'s ${stage.workdir}); last output:\n${tail}`,
      );
    }
    return { ran: command, skipped };
  }
}

function rawFlags(instruction: Instruction): string {
  return Object.entries(instruction.flags)
    .map(([name, value]) => `--${name}=${value} `)
    .join('');
}

/**
 * Maps the image's absolute paths in a command onto the stage's folder: every absolute path must lie under
 * a folder the Dockerfile made (a WORKDIR, or a folder that exists in the stage's folder); anything else
 * would touch the host, and fails.
 */
export function mapPaths(command: string, stage: BuiltStage, where = 'command'): string {
  return command.replace(/(^|[\s"'=:])(\/(?!\/)[^\s"';&|)]*)/g, (all, before: string, path: string) => {
    const top = `/${path.split('/')[1]}`;
    const isOurs = top === `/${stage.workdir.split('/')[1]}` || (top !== '/' && existsSync(join(stage.root, top)));
    if (!isOurs) throw new Error(`${where}: ${path} is outside the image's own folders; teach test/support/dockerfile.ts how to map it`);
    return `${before}${join(stage.root, path)}`;
  });
}

export interface StartCommand {
  argv: string[];
  cwd: string;
  /** What it needs in its environment on the host, besides the container's. */
  env: Record<string, string>;
  /** What became of ENTRYPOINT's init (tini), if any. */
  note?: string;
}

/**
 * What `docker run` would start: ENTRYPOINT + CMD (or `cmd` given, as compose's `command:` replaces CMD),
 * in WORKDIR, with the image's paths mapped. An init such as `tini --` is run when the host has it,
 * otherwise left out: its job as PID 1 (forward signals, reap zombies) has no equivalent outside a container.
 */
export function startCommand(stage: BuiltStage, cmd = stage.cmd, hostHas: (program: string) => boolean = onPath): StartCommand {
  let note: string | undefined;
  const argv = stage.entrypointIsShell ? [...stage.entrypoint!] : [...(stage.entrypoint ?? []), ...(cmd ?? [])];
  const env: Record<string, string> = {};
  if (argv.length && INITS.has(basename(argv[0]))) {
    if (hostHas(argv[0])) {
      // Not PID 1 here: tini would warn that it cannot reap zombies unless registered as a subreaper.
      if (basename(argv[0]).startsWith('tini')) env.TINI_SUBREAPER = '1';
      note = `through ${argv[0]} (the host's)`;
    } else {
      const dashes = argv.indexOf('--');
      const dropped = argv.splice(0, dashes >= 0 ? dashes + 1 : 1);
      note = `${dropped.join(' ')} left out: not on this host`;
    }
  }
  if (!argv.length) throw new Error('the image has neither ENTRYPOINT nor CMD');
  return { argv: argv.map((arg) => mapArg(arg, stage)), cwd: join(stage.root, stage.workdir), env, note };
}

function mapArg(arg: string, stage: BuiltStage): string {
  const top = `/${stage.workdir.split('/')[1]}`;
  if (top === '/') return arg;
  return arg.replace(
    new RegExp(`(^|[\\s"'=:])${top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$|[\\s"';&|])`, 'g'),
    (_, before: string) => `${before}${join(stage.root, top)}`,
  );
}

export function onPath(program: string): boolean {
  if (program.includes('/')) return existsSync(program);
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, program)));
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

export function runCommand(argv: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Math.round(performance.now() - started) });
    });
  });
}

/** Docker durations (30s, 1m30s, 500ms) in milliseconds. */
export function dockerDuration(text: string): number {
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(amount) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return ms;
}

/**
 * The host's toolchain environment, standing in for what the base image sets (PATH, HOME) and what this
 * machine needs to reach the registry (proxy, CA certificates, pyenv for node-gyp's python). Nothing of the
 * test runner's own environment (NODE_ENV=test, npm_* from `npm test`) leaks into the build.
 */
export function hostToolEnv(): Record<string, string> {
  const keep =
    /^(PATH|HOME|TMPDIR|LANG|LC_ALL|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|PYENV_ROOT|PYENV_VERSION|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|npm_config_(registry|cache|userconfig|nodedir))$/;
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => keep.test(entry[0]) && entry[1] !== undefined));
}

/**
 * A docker-compose.yml string as the container gets it: `$$` is a literal `$`. A single `$` would be
 * substituted by `docker compose` from its own environment (the host's), not the container's: refused.
 */
export function composeLiteral(value: string): string {
  return value.replace(/\$\$|\$\{[^}]*\}|\$\w+/g, (found) => {
    if (found === '$$') return '$';
    throw new Error(`docker compose would substitute ${found} in "${value}" from its own environment, not the container's: write $${found}`);
  });
}
