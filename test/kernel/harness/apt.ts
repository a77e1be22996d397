/**
 * Apt, the only way the kernel tier fetches anything (CI has Debian's apt and the npm registry
 * only): `apt-get download` of a package into a directory, either through the host's own
 * sources or through a private apt root for another Debian suite (Debian 13's kernel on a
 * Debian 12 host). The private root has its own sources list, lists and cache under the
 * kernel cache; it never touches the host's apt state.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** How long a private root's package lists are trusted before `apt-get update` again. */
const LISTS_MAX_AGE_MS = 24 * 3600_000;

export class AptError extends Error {
  override name = 'AptError';
}

/** Apt is apt-get/apt-cache with the options of one root (none: the host's own). */
export class Apt {
  private constructor(
    private readonly options: string[],
    readonly describe: string,
    private readonly listsDir: string | null,
  ) {}

  /** host uses the host's sources, as `apt-get` alone does. */
  static host(): Apt {
    return new Apt(['-o', 'APT::Sandbox::User=root'], 'the host apt sources', null);
  }

  /**
   * forSuite is a private root for `suite` (e.g. "trixie") on the host's Debian mirror, kept in
   * `dir`. Signed by the keys in the host's keyring (debian-archive-keyring has the next release).
   */
  static forSuite(suite: string, dir: string): Apt {
    const etc = path.join(dir, 'etc');
    for (const d of [path.join(etc, 'sources.list.d'), path.join(etc, 'preferences.d'), path.join(dir, 'lists', 'partial'), path.join(dir, 'cache', 'archives', 'partial')]) {
      fs.mkdirSync(d, { recursive: true });
    }
    fs.writeFileSync(path.join(etc, 'sources.list'), `deb ${hostDebianMirror()} ${suite} main\n`);
    const o = (k: string, v: string): string[] => ['-o', `${k}=${v}`];
    const options = [
      ...o('Dir::Etc::SourceList', path.join(etc, 'sources.list')),
      ...o('Dir::Etc::SourceParts', path.join(etc, 'sources.list.d')),
      ...o('Dir::Etc::Preferences', path.join(etc, 'preferences')),
      ...o('Dir::Etc::PreferencesParts', path.join(etc, 'preferences.d')),
      ...o('Dir::State::Lists', path.join(dir, 'lists')),
      ...o('Dir::Cache', path.join(dir, 'cache')),
      ...o('Dir::State::status', '/dev/null'),
      ...o('APT::Sandbox::User', 'root'),
      ...o('Acquire::Languages', 'none'),
      ...o('APT::Architectures', 'amd64'),
    ];
    return new Apt(options, `Debian ${suite} (private apt root ${dir})`, path.join(dir, 'lists'));
  }

  /**
   * dependencyOf resolves a meta package to the versioned package it depends on matching
   * `pattern` (linux-image-cloud-amd64 → linux-image-6.1.0-57-cloud-amd64), updating the
   * lists first when they are missing or stale (private roots) or do not know the package.
   */
  async dependencyOf(meta: string, pattern: RegExp): Promise<string> {
    if (this.listsDir && listsAge(this.listsDir) > LISTS_MAX_AGE_MS) await this.update();
    const find = async (): Promise<string | undefined> => {
      const out = await this.run('apt-cache', ['depends', meta]).catch(() => '');
      return [...out.matchAll(/Depends: (\S+)/g)].map((m) => m[1] ?? '').find((p) => pattern.test(p));
    };
    const found = (await find()) ?? (await this.update().then(find));
    if (!found) throw new AptError(`${meta}: no dependency matching ${pattern} in ${this.describe}`);
    return found;
  }

  /** download fetches `pkg`'s .deb into `dir` and returns its path. Equivalent to: `apt-get download pkg`. */
  async download(pkg: string, dir: string): Promise<string> {
    fs.mkdirSync(dir, { recursive: true });
    await this.run('apt-get', ['download', '-q', pkg], dir);
    const deb = fs.readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw new AptError(`apt-get download ${pkg} left no .deb in ${dir}`);
    return path.join(dir, deb);
  }

  /** update refreshes the package lists. Equivalent to: `apt-get update`. */
  async update(): Promise<void> {
    await this.run('apt-get', ['update', '-qq']);
  }

  private async run(cmd: string, args: string[], cwd?: string): Promise<string> {
    try {
      const { stdout } = await exec(cmd, [...this.options, ...args], { cwd, maxBuffer: 16 << 20, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new AptError(`\`${cmd} ${args.join(' ')}\` (${this.describe}) failed: ${e.stderr?.trim() || e.message}`, { cause: err });
    }
  }
}

function listsAge(dir: string): number {
  const lists = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('_Packages')) : [];
  if (lists.length === 0) return Infinity;
  return Date.now() - Math.min(...lists.map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
}

/**
 * hostDebianMirror is the Debian archive URI the host's own sources use (a CI mirror or proxy
 * keeps working for the other suite), or deb.debian.org.
 */
function hostDebianMirror(): string {
  const files = ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d').map((f) => path.join('/etc/apt/sources.list.d', f))];
  for (const f of files) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)) {
      const uri = m[1] ?? '';
      if (/\/debian\/?$/.test(uri)) return uri.replace(/\/$/, '');
    }
  }
  return 'http://deb.debian.org/debian';
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
