/**
 * Puts the matching agent bundle on a host, owned by root: detect what is there; when missing
 * or different, upload the tarball over SFTP (with progress), and as root check its SHA-256,
 * unpack it beside the final folder and rename it into place, so a half-finished install is
 * never mistaken for a good one.
 *
 * Layout on the host: `<installDir>/<version>-<platform>/` (root's, writable by nobody else) and
 * `<installDir>/current` → the version installed last (a stable path for a systemd unit).
 * installDir is /usr/local/lib/wgpilot unless configured; it must be an absolute path whose
 * every folder is root's and writable by nobody else.
 *
 * Design decisions:
 * - Root-owned, because the agent runs as root. The former layout (the login user's
 *   ~/.wgpilot) let anything running as that user change what root ran on the next connect.
 * - The login user uploads into a private temp folder; root copies the upload into a staging
 *   folder of its own and checks the SHA-256 of that copy, so the upload cannot be swapped
 *   between the check and the unpacking.
 * - What runs is pinned by SHA256SUMS: the bundle lists every file's SHA-256, and this desktop
 *   knows the SHA-256 of that list. "Installed" means the host's SHA256SUMS has it; on every
 *   start the launcher (build/launcher.sh, `--verify`) checks, as root, ownership, modes, every
 *   file against the list and that nothing unlisted is there, before anything of it runs.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execAsRoot } from './root-exec.js';
import { shellQuote, type ExecResult, type SshSession } from './ssh.js';

export interface AgentBundle {
  version: string;
  platform: string;
  /** Name of the top folder inside the tarball. */
  name: string;
  tarballPath: string;
  sha256: string;
  size: number;
  /** SHA-256 of the bundle's SHA256SUMS: what the launcher's `--verify` pins. */
  sumsSha256: string;
}

export type DeployProgress =
  | { phase: 'checking' }
  | { phase: 'uploading'; sent: number; total: number }
  | { phase: 'verifying' }
  | { phase: 'installing' }
  | { phase: 'ready'; deployed: boolean };

export class DeployError extends Error {
  constructor(
    readonly code: 'UNSUPPORTED_PLATFORM' | 'NO_DISK_SPACE' | 'CORRUPT_UPLOAD' | 'INSTALL_FAILED' | 'INSTALL_DIR_UNSAFE' | 'AGENT_UNVERIFIED' | 'NO_BUNDLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeployError';
  }
}

/** Where agents go on hosts unless the desktop is told otherwise (WGPILOT_REMOTE_AGENT_DIR). */
export const DEFAULT_INSTALL_DIR = '/usr/local/lib/wgpilot';

/** Platforms a bundle can be built for, in `uname -sm` terms. */
const SUPPORTED_PLATFORMS: Record<string, string> = { 'Linux x86_64': 'linux-x64' };

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Finds the agent bundle built by `npm run build` (dist/agent) for a platform. */
export function findAgentBundle(distDir: string, platform = 'linux-x64'): AgentBundle {
  const entries = fs.existsSync(distDir) ? fs.readdirSync(distDir) : [];
  const tarball = entries.find((e) => e.endsWith(`-${platform}.tar.gz`));
  if (!tarball) throw new DeployError('NO_BUNDLE', `No agent bundle for ${platform} in ${distDir}; run npm run build.`);
  const tarballPath = path.join(distDir, tarball);
  const sumsPath = `${tarballPath}.SHA256SUMS`;
  if (!fs.existsSync(sumsPath)) throw new DeployError('NO_BUNDLE', `The agent bundle in ${distDir} has no ${path.basename(sumsPath)}; run npm run build.`);
  const data = fs.readFileSync(tarballPath);
  const name = tarball.slice(0, -'.tar.gz'.length);
  const version = name.slice('wgpilot-agent-'.length, -(platform.length + 1));
  return { version, platform, name, tarballPath, sha256: sha256Hex(data), size: data.length, sumsSha256: sha256Hex(fs.readFileSync(sumsPath)) };
}

async function run(session: SshSession, command: string): Promise<string> {
  const r = await session.exec(command);
  if (r.code !== 0) throw new DeployError('INSTALL_FAILED', `'${command}' failed on ${session.host} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/**
 * The install, run as root: `sh -c INSTALL_SCRIPT wgpilot-install <upload> <installDir> <name>
 * <folder> <sha256>`. Exit 3: the install dir is not safe; 4: the upload's hash differs (the
 * hash seen is on stderr); anything else: failed.
 */
const INSTALL_SCRIPT = `set -eu
upload=$1 base=$2 name=$3 folder=$4 sum=$5
umask 022
case $base in /*) ;; *) echo "the install dir $base is not an absolute path" >&2; exit 3;; esac
mkdir -p -- "$base"
base=$(cd -- "$base" && pwd -P)
d=$base
while :; do
  info=$(stat -c '%u %a' -- "$d")
  if [ "\${info% *}" != 0 ] || [ $((0\${info#* } & 022)) -ne 0 ]; then
    echo "$d must belong to root and be writable by nobody else (it is uid \${info% *}, mode \${info#* })" >&2; exit 3
  fi
  [ "$d" = / ] && break
  d=$(dirname -- "$d")
done
staging=$(mktemp -d -- "$base/.staging.XXXXXX")
trap 'rm -rf -- "$staging"' EXIT
cp -- "$upload" "$staging/bundle.tar.gz"
got=$(sha256sum < "$staging/bundle.tar.gz")
[ "\${got%% *}" = "$sum" ] || { echo "\${got%% *}" >&2; exit 4; }
tar -xzf "$staging/bundle.tar.gz" -C "$staging" --no-same-owner
[ -d "$staging/$name" ] || { echo "the bundle has no folder $name" >&2; exit 5; }
chown -R 0:0 -- "$staging/$name"
chmod -R go-w -- "$staging/$name"
if [ -e "$base/$folder" ]; then mv -- "$base/$folder" "$staging/old"; fi
mv -- "$staging/$name" "$base/$folder"
ln -sfn -- "$folder" "$base/.current.$$"
mv -fT -- "$base/.current.$$" "$base/current"`;

export interface EnsureAgentOptions {
  /** Absolute; default DEFAULT_INSTALL_DIR. */
  installDir?: string;
  /** Defaults to the bundle's own hash; tests pass another to prove a corrupt upload is refused. */
  expectedSha256?: string;
  /** Runs a command as root on the host (default: through this session, sudo -n for non-root). */
  asRoot?: (argv: string[]) => Promise<ExecResult>;
  /** Install even when the host already has this bundle (its launcher refused the install). */
  force?: boolean;
}

export interface EnsuredAgent {
  launcher: string;
  deployed: boolean;
  /** The SHA-256 the launcher's `--verify` checks the install against. */
  verify: string;
}

/** Makes sure `bundle` is installed on the host, root-owned, and returns how to start it. */
export async function ensureAgent(session: SshSession, bundle: AgentBundle, onProgress: (p: DeployProgress) => void = () => {}, opts: EnsureAgentOptions = {}): Promise<EnsuredAgent> {
  const installDir = opts.installDir ?? DEFAULT_INSTALL_DIR;
  if (!installDir.startsWith('/')) throw new DeployError('INSTALL_DIR_UNSAFE', `The agent install dir must be an absolute path owned by root, not '${installDir}'.`);
  const asRoot = opts.asRoot ?? (async (argv: string[]) => (await execAsRoot(session, argv)).result);
  const folder = `${bundle.version}-${bundle.platform}`;
  const final = `${installDir.replace(/\/+$/, '')}/${folder}`;
  const launcher = `${final}/wgpilot-agent`;
  const q = shellQuote;
  onProgress({ phase: 'checking' });
  // One exec for both facts: each exec costs a login shell (~0.1 s with busy rc files).
  const [unameLine = '', sumsLine = ''] = (await run(session, `uname -sm; { sha256sum < ${q(`${final}/SHA256SUMS`)}; } 2>/dev/null || echo none`)).split('\n');
  const platform = SUPPORTED_PLATFORMS[unameLine.trim()];
  if (!platform) {
    throw new DeployError('UNSUPPORTED_PLATFORM', `${session.host} runs '${unameLine.trim()}'; the agent supports ${Object.keys(SUPPORTED_PLATFORMS).join(', ')}.`);
  }
  if (platform !== bundle.platform) throw new DeployError('NO_BUNDLE', `No agent bundle for ${platform} (have ${bundle.platform}).`);
  if (!opts.force && sumsLine.split(/\s+/)[0] === bundle.sumsSha256) {
    onProgress({ phase: 'ready', deployed: false });
    return { launcher, deployed: false, verify: bundle.sumsSha256 };
  }

  // A private upload folder of the login user's, and the free space there and where it goes.
  const nearest = `p=${q(installDir)}; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done`;
  const [tmp = '', tmpFree = '', baseFree = ''] = (
    await run(session, `d=$(mktemp -d "\${TMPDIR:-/tmp}/wgpilot-upload.XXXXXX") && echo "$d" && df -Pk "$d" | awk 'NR==2 {print $4}' && ${nearest} && df -Pk "$p" | awk 'NR==2 {print $4}'`)
  )
    .trim()
    .split('\n');
  try {
    const neededKiB = Math.ceil((bundle.size * 4) / 1024);
    for (const [where, free] of [[tmp, tmpFree], [installDir, baseFree]] as const) {
      if (Number.isFinite(Number(free)) && Number(free) < neededKiB) {
        throw new DeployError('NO_DISK_SPACE', `${session.host} has ${free} KiB free in ${where}; the agent needs about ${neededKiB} KiB.`);
      }
    }
    const upload = `${tmp}/${bundle.name}-${randomBytes(4).toString('hex')}.tar.gz`;
    const sftp = await session.sftp();
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(bundle.tarballPath, upload, { step: (sent, _chunk, total) => onProgress({ phase: 'uploading', sent, total }) }, (err) =>
          err ? reject(new DeployError('INSTALL_FAILED', `Upload to ${session.host}:${upload} failed: ${err.message}`, { cause: err })) : resolve(),
        ),
      );
    } finally {
      sftp.end();
    }
    onProgress({ phase: 'verifying' });
    const expected = opts.expectedSha256 ?? bundle.sha256;
    const r = await asRoot(['sh', '-c', INSTALL_SCRIPT, 'wgpilot-install', upload, installDir, bundle.name, folder, expected]);
    if (r.code === 4) {
      throw new DeployError('CORRUPT_UPLOAD', `The uploaded agent bundle's SHA-256 is ${r.stderr.trim()} on ${session.host}, expected ${expected}; nothing was installed.`);
    }
    if (r.code === 3) throw new DeployError('INSTALL_DIR_UNSAFE', `Cannot install the agent on ${session.host}: ${r.stderr.trim()}.`);
    if (r.code !== 0) throw new DeployError('INSTALL_FAILED', `Installing the agent on ${session.host} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    onProgress({ phase: 'installing' });
  } finally {
    if (tmp.startsWith('/')) await session.exec(`rm -rf -- ${q(tmp)}`);
  }

  // The install as the login user sees it: the same check the launcher makes as root, then a run.
  const check = await session.exec(`${q(launcher)} --verify ${q(bundle.sumsSha256)} version --json`);
  const version = check.code === 0 ? parseVersion(check.stdout) : null;
  if (version !== bundle.version) {
    throw new DeployError('INSTALL_FAILED', `The agent installed on ${session.host} does not run (${check.stderr.trim().split('\n').at(-1) || `version check said ${version ?? 'nothing'}`}).`);
  }
  onProgress({ phase: 'ready', deployed: true });
  return { launcher, deployed: true, verify: bundle.sumsSha256 };
}

/** The version in `wgpilot-agent version --json` output, or null for anything else. */
function parseVersion(stdout: string): string | null {
  try {
    const v = (JSON.parse(stdout) as { version?: unknown } | null)?.version;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}
