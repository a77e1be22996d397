/**
 * Resolves an OpenSSH client configuration alias (`~/.ssh/config`) the way `ssh` does, for the
 * options wgpilot honours: HostName, Port, User, IdentityFile, ProxyJump, IdentitiesOnly, and for
 * host keys UserKnownHostsFile, GlobalKnownHostsFile, StrictHostKeyChecking and HostKeyAlias.
 *
 * Design decision: OpenSSH itself answers (`ssh -G [-F config] alias` prints the options after
 * every rule applied, Match blocks and Includes included), so its precedence rules are never
 * re-implemented wrong here. Where `ssh` is not installed, a parser of our own stands in with
 * ssh_config(5)'s main rules: `Host` blocks match by pattern list (`*`, `?`, `!negation`); the
 * first value obtained wins, except IdentityFile, which accumulates; `Include` pulls in files
 * (relative to ~/.ssh, globs allowed); `Match` blocks are skipped (noted for the UI).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseStrictHostKeyChecking, type StrictHostKeyChecking } from './host-key-check.js';
import { matchesPatternList, sshPatternToRegExp } from './ssh-patterns.js';

export interface ResolvedSshHost {
  alias: string;
  hostName: string;
  port: number;
  user: string | undefined;
  /** IdentityFile as configured; empty when the config names none (ssh's defaults are not listed). */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Jump hosts in order, parsed from ProxyJump ("none" = empty). */
  proxyJump: JumpHost[];
  /** UserKnownHostsFile when the config sets it (`none` = []); undefined = ssh's default. */
  userKnownHostsFiles: string[] | undefined;
  /** GlobalKnownHostsFile (default /etc/ssh/ssh_known_hosts and …2; `none` = []). */
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  hostKeyAlias: string | undefined;
  /** Who resolved it: OpenSSH (`ssh -G`) or, without an ssh binary, our parser. */
  resolvedBy: 'ssh -G' | 'parser';
  /** Things in the config that were not applied, for the UI to mention. */
  notes: string[];
}

export interface ResolveSshOptions {
  /** Default: ~/.ssh/config (and, with `ssh -G`, /etc/ssh/ssh_config, as ssh reads both). */
  configPath?: string | undefined;
  /** Home for `~` (parser only; `ssh -G` uses the account's home, as ssh does). */
  home?: string | undefined;
  /** The ssh binary asked with `-G` (default `ssh` on PATH); null = use the parser. */
  sshBinary?: string | null | undefined;
}

const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
/** How long `ssh -G` may take (it runs `Match exec` commands of the config, if any). */
const SSH_G_TIMEOUT_MS = 5_000;

export interface JumpHost {
  host: string;
  port: number | undefined;
  user: string | undefined;
}

interface Line {
  key: string;
  value: string;
  file: string;
  line: number;
}

/** Most Include nesting ssh accepts; guards against include loops. */
const MAX_INCLUDE_DEPTH = 16;

/** Whether a `Host` pattern list matches the alias (any positive match, no negated match). */
export const hostMatches = matchesPatternList;

function splitArgs(value: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const dir = path.dirname(pattern);
  const re = sshPatternToRegExp(path.basename(pattern));
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** The lines that apply to `alias`, in order, with Includes expanded in place. */
function applicableLines(file: string, alias: string, home: string, notes: string[], depth = 0): Line[] {
  if (depth > MAX_INCLUDE_DEPTH) {
    notes.push(`${file}: Include nested deeper than ${MAX_INCLUDE_DEPTH}; ignored`);
    return [];
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Line[] = [];
  let active = true;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(trimmed);
    if (!m) return;
    const key = (m[1] ?? '').toLowerCase();
    const value = (m[2] ?? '').trim();
    if (key === 'host') {
      active = hostMatches(splitArgs(value), alias);
    } else if (key === 'match') {
      active = false;
      notes.push(`${file}:${i + 1}: Match blocks are not evaluated`);
    } else if (active && key === 'include') {
      for (const inc of splitArgs(value)) {
        const abs = path.isAbsolute(expandHome(inc, home)) ? expandHome(inc, home) : path.join(home, '.ssh', inc);
        for (const f of expandGlob(abs)) out.push(...applicableLines(f, alias, home, notes, depth + 1));
      }
    } else if (active) {
      out.push({ key, value, file, line: i + 1 });
    }
  });
  return out;
}

/** Parses `[user@]host[:port]` (also `[v6]:port`) jump specs, comma-separated. */
export function parseProxyJump(value: string): JumpHost[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((spec) => {
    const s = spec.trim().replace(/^ssh:\/\//, '');
    const at = s.lastIndexOf('@');
    const user = at >= 0 ? s.slice(0, at) : undefined;
    const hostPort = at >= 0 ? s.slice(at + 1) : s;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
    if (v6) return { host: v6[1] ?? '', port: v6[2] ? Number(v6[2]) : undefined, user };
    const [host = '', port] = hostPort.split(':');
    return { host, port: port ? Number(port) : undefined, user };
  });
}

function expandTokens(value: string, t: { host: string; alias: string; user: string; port: number; home: string }): string {
  return expandHome(value, t.home).replace(/%([%hnrpdu])/g, (_, c: string) =>
    c === '%' ? '%' : c === 'h' ? t.host : c === 'n' ? t.alias : c === 'r' ? t.user : c === 'p' ? String(t.port) : c === 'd' ? t.home : os.userInfo().username,
  );
}

const splitList = (value: string | undefined): string[] | undefined => (value === undefined ? undefined : value.toLowerCase() === 'none' ? [] : splitArgs(value));

/** Our own reading of the config, for machines without `ssh` (see the file's doc). */
export function parseSshHost(alias: string, opts: Pick<ResolveSshOptions, 'configPath' | 'home'> = {}): ResolvedSshHost {
  const home = opts.home ?? os.homedir();
  const notes: string[] = [];
  const lines = applicableLines(opts.configPath ?? path.join(home, '.ssh', 'config'), alias, home, notes);
  const first = (key: string) => lines.find((l) => l.key === key)?.value;
  const hostName = first('hostname') ?? alias;
  const port = Number(first('port') ?? 22);
  const user = first('user');
  const tokens = { host: hostName, alias, user: user ?? os.userInfo().username, port, home };
  const proxyJumpValue = first('proxyjump');
  if (first('proxycommand')) notes.push('ProxyCommand is not supported; use ProxyJump');
  const expand = (files: string[] | undefined) => files?.map((f) => expandTokens(f, tokens));
  return {
    alias,
    hostName: hostName.replace(/%h/g, alias),
    port: Number.isFinite(port) ? port : 22,
    user,
    identityFiles: lines.filter((l) => l.key === 'identityfile').map((l) => expandTokens(l.value, tokens)),
    identitiesOnly: (first('identitiesonly') ?? 'no').toLowerCase() === 'yes',
    proxyJump: proxyJumpValue ? parseProxyJump(proxyJumpValue) : [],
    userKnownHostsFiles: expand(splitList(first('userknownhostsfile'))),
    globalKnownHostsFiles: expand(splitList(first('globalknownhostsfile'))) ?? DEFAULT_GLOBAL_KNOWN_HOSTS,
    strictHostKeyChecking: parseStrictHostKeyChecking(first('stricthostkeychecking')),
    hostKeyAlias: first('hostkeyalias'),
    resolvedBy: 'parser',
    notes,
  };
}

/** `ssh -G` output as option → values (keys lower case; repeated options keep every value). */
function runSshG(sshBinary: string, alias: string, configPath: string | undefined): Map<string, string[]> | { error: string; missing: boolean } {
  // A named config that does not exist is an empty config (ssh -F would refuse it).
  const config = configPath === undefined ? [] : ['-F', fs.existsSync(configPath) ? configPath : '/dev/null'];
  const r = spawnSync(sshBinary, ['-G', ...config, '--', alias], { encoding: 'utf8', timeout: SSH_G_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { error: r.error.message, missing: (r.error as NodeJS.ErrnoException).code === 'ENOENT' };
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim(), missing: false };
  const options = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    options.set(key, [...(options.get(key) ?? []), m[2] ?? '']);
  }
  return options;
}

/** What `ssh -G` prints when the config sets nothing, learnt once per binary. */
const sshDefaults = new Map<string, Map<string, string[]>>();
function defaultsOf(sshBinary: string): Map<string, string[]> {
  let d = sshDefaults.get(sshBinary);
  if (!d) {
    const r = runSshG(sshBinary, 'wgpilot-defaults.invalid', '/dev/null');
    d = r instanceof Map ? r : new Map();
    sshDefaults.set(sshBinary, d);
  }
  return d;
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Resolves `alias` as `ssh` would: by asking `ssh -G` (see the file's doc), else with our parser.
 * Options that ssh prints with its defaults when the config is silent (IdentityFile,
 * UserKnownHostsFile) are reported as not configured, so the caller's defaults apply.
 */
export function resolveSshHost(alias: string, opts: ResolveSshOptions = {}): ResolvedSshHost {
  const sshBinary = opts.sshBinary === undefined ? 'ssh' : opts.sshBinary;
  if (sshBinary === null) return parseSshHost(alias, opts);
  const g = runSshG(sshBinary, alias, opts.configPath);
  if (!(g instanceof Map)) {
    const parsed = parseSshHost(alias, opts);
    if (!g.missing) parsed.notes.push(`ssh -G ${alias} failed (${g.error}); the config was read by wgpilot's own parser`);
    return parsed;
  }
  const defaults = defaultsOf(sshBinary);
  const one = (key: string) => g.get(key)?.[0];
  const hostName = one('hostname') ?? alias;
  const port = Number(one('port') ?? 22);
  const user = one('user');
  const home = os.homedir();
  const tokens = { host: hostName, alias, user: user ?? os.userInfo().username, port, home };
  const identity = g.get('identityfile');
  const userKnown = one('userknownhostsfile');
  const globalKnown = one('globalknownhostsfile');
  const proxyJumpValue = one('proxyjump');
  const notes: string[] = [];
  if (one('proxycommand') !== undefined && one('proxycommand') !== 'none') notes.push('ProxyCommand is not supported; use ProxyJump');
  const hostKeyAlias = one('hostkeyalias');
  return {
    alias,
    hostName,
    port: Number.isFinite(port) ? port : 22,
    user,
    identityFiles: sameList(identity, defaults.get('identityfile')) ? [] : (identity ?? []).map((f) => expandTokens(f, tokens)),
    identitiesOnly: (one('identitiesonly') ?? 'no').toLowerCase() === 'yes',
    proxyJump: proxyJumpValue ? parseProxyJump(proxyJumpValue) : [],
    userKnownHostsFiles: userKnown === undefined || userKnown === defaults.get('userknownhostsfile')?.[0] ? undefined : (splitList(userKnown) ?? []),
    globalKnownHostsFiles: splitList(globalKnown) ?? DEFAULT_GLOBAL_KNOWN_HOSTS,
    strictHostKeyChecking: parseStrictHostKeyChecking(one('stricthostkeychecking')),
    hostKeyAlias: hostKeyAlias === undefined || hostKeyAlias === 'none' ? undefined : hostKeyAlias,
    resolvedBy: 'ssh -G',
    notes,
  };
}

/** Concrete host aliases in the config (no wildcards), offered in the "add host" form. */
export function listSshAliases(opts: { configPath?: string; home?: string } = {}): string[] {
  const home = opts.home ?? os.homedir();
  const aliases = new Set<string>();
  const visit = (file: string, depth: number) => {
    if (depth > MAX_INCLUDE_DEPTH) return;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const raw of text.split('\n')) {
      const m = /^\s*(host|include)\s*(?:=\s*|\s+)(.*)$/i.exec(raw);
      if (!m) continue;
      const args = splitArgs(m[2] ?? '');
      if ((m[1] ?? '').toLowerCase() === 'host') {
        for (const a of args) if (!/[*?!]/.test(a)) aliases.add(a);
      } else {
        for (const inc of args) {
          const abs = path.isAbsolute(expandHome(inc, home)) ? expandHome(inc, home) : path.join(home, '.ssh', inc);
          for (const f of expandGlob(abs)) visit(f, depth + 1);
        }
      }
    }
  };
  visit(opts.configPath ?? path.join(home, '.ssh', 'config'), 0);
  return [...aliases].sort();
}
