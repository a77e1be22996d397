/**
 * Reads OpenSSH client configuration (`~/.ssh/config`) the way `ssh` resolves a host alias, for
 * the options wgpilot honours: HostName, Port, User, IdentityFile, ProxyJump, IdentitiesOnly.
 *
 * Semantics carried over from ssh_config(5): `Host` blocks match the alias by pattern list
 * (`*`, `?`, `!negation`); for each option the first value obtained wins, except IdentityFile,
 * which accumulates; `Include` pulls in files (relative paths are under ~/.ssh, globs allowed);
 * `Match` blocks are skipped (their conditions need a live connection) and reported.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { matchesPatternList, sshPatternToRegExp } from './ssh-patterns.js';

export interface ResolvedSshHost {
  alias: string;
  hostName: string;
  port: number;
  user: string | undefined;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Jump hosts in order, parsed from ProxyJump ("none" = empty). */
  proxyJump: JumpHost[];
  /** Things in the config that were not applied, for the UI to mention. */
  notes: string[];
}

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

/** Resolves `alias` through the config file(s) like `ssh -G alias` does for our options. */
export function resolveSshHost(alias: string, opts: { configPath?: string; home?: string } = {}): ResolvedSshHost {
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
  return {
    alias,
    hostName: hostName.replace(/%h/g, alias),
    port: Number.isFinite(port) ? port : 22,
    user,
    identityFiles: lines.filter((l) => l.key === 'identityfile').map((l) => expandTokens(l.value, tokens)),
    identitiesOnly: (first('identitiesonly') ?? 'no').toLowerCase() === 'yes',
    proxyJump: proxyJumpValue ? parseProxyJump(proxyJumpValue) : [],
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
