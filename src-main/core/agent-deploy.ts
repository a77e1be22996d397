/**
 * Puts the matching agent bundle on a host, the way VS Code's remote server is installed:
 * detect what is there; when missing or of another version, upload the tarball over SFTP (with
 * progress), verify its SHA-256 on the host, unpack it beside the final folder and rename it into
 * place, so a half-finished install is never mistaken for a good one.
 *
 * Layout on the host: <installDir>/<version>-<platform>/wgpilot-agent, installDir ~/.wgpilot/agent
 * unless the host profile says otherwise.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shellQuote, type SshSession } from './ssh.js';

export interface AgentBundle {
  version: string;
  platform: string;
  /** Name of the top folder inside the tarball (also the install folder's name). */
  name: string;
  tarballPath: string;
  sha256: string;
  size: number;
}

export type DeployProgress =
  | { phase: 'checking' }
  | { phase: 'uploading'; sent: number; total: number }
  | { phase: 'verifying' }
  | { phase: 'installing' }
  | { phase: 'ready'; deployed: boolean };

export class DeployError extends Error {
  constructor(
    readonly code: 'UNSUPPORTED_PLATFORM' | 'NO_DISK_SPACE' | 'CORRUPT_UPLOAD' | 'INSTALL_FAILED' | 'NO_BUNDLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeployError';
  }
}

/** Platforms a bundle can be built for, in `uname -sm` terms. */
const SUPPORTED_PLATFORMS: Record<string, string> = { 'Linux x86_64': 'linux-x64' };

/** Finds the agent bundle built by `npm run build` (dist/agent) for a platform. */
export function findAgentBundle(distDir: string, platform = 'linux-x64'): AgentBundle {
  const entries = fs.existsSync(distDir) ? fs.readdirSync(distDir) : [];
  const tarball = entries.find((e) => e.endsWith(`-${platform}.tar.gz`));
  if (!tarball) throw new DeployError('NO_BUNDLE', `No agent bundle for ${platform} in ${distDir}; run npm run build.`);
  const tarballPath = path.join(distDir, tarball);
  const data = fs.readFileSync(tarballPath);
  const name = tarball.slice(0, -'.tar.gz'.length);
  const version = name.slice('wgpilot-agent-'.length, -(platform.length + 1));
  return { version, platform, name, tarballPath, sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
}

async function run(session: SshSession, command: string): Promise<string> {
  const r = await session.exec(command);
  if (r.code !== 0) throw new DeployError('INSTALL_FAILED', `'${command}' failed on ${session.host} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
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

/** The installed agent's version at `launcher`, or null when there is none that runs. */
async function installedVersion(session: SshSession, launcher: string): Promise<string | null> {
  const r = await session.exec(`${shellQuote(launcher)} version --json 2>/dev/null`);
  return r.code === 0 ? parseVersion(r.stdout) : null;
}

/**
 * Makes sure `bundle` is installed on the host and returns the launcher's absolute path.
 * `installDir` (default ~/.wgpilot/agent) may start with `~/`. `expectedSha256` defaults to the
 * bundle's own hash; tests pass another to prove a corrupt upload is refused.
 */
export async function ensureAgent(
  session: SshSession,
  bundle: AgentBundle,
  onProgress: (p: DeployProgress) => void = () => {},
  { expectedSha256 = bundle.sha256, installDir = '~/.wgpilot/agent' }: { expectedSha256?: string; installDir?: string } = {},
): Promise<{ launcher: string; deployed: boolean }> {
  onProgress({ phase: 'checking' });
  // One exec for all three facts: each exec costs a login shell (~0.1 s with busy rc files).
  const rel = installDir.startsWith('~/') ? installDir.slice(2) : undefined;
  const guess = `${rel !== undefined ? `"$HOME"/${shellQuote(rel)}` : shellQuote(installDir)}/${shellQuote(`${bundle.version}-${bundle.platform}`)}/wgpilot-agent`;
  const [unameLine = '', homeLine = '', ...versionLines] = (await run(session, `uname -sm; printf '%s\\n' "$HOME"; ${guess} version --json 2>/dev/null; true`)).split('\n');
  const uname = unameLine.trim();
  const platform = SUPPORTED_PLATFORMS[uname];
  if (!platform) {
    throw new DeployError('UNSUPPORTED_PLATFORM', `${session.host} runs '${uname}'; the agent supports ${Object.keys(SUPPORTED_PLATFORMS).join(', ')}.`);
  }
  if (platform !== bundle.platform) throw new DeployError('NO_BUNDLE', `No agent bundle for ${platform} (have ${bundle.platform}).`);

  const home = homeLine.trim();
  const base = rel !== undefined ? `${home}/${rel}` : installDir;
  const final = `${base}/${bundle.version}-${bundle.platform}`;
  const launcher = `${final}/wgpilot-agent`;
  if (parseVersion(versionLines.join('\n')) === bundle.version) {
    onProgress({ phase: 'ready', deployed: false });
    return { launcher, deployed: false };
  }

  await run(session, `mkdir -p -m 700 ${shellQuote(base)}`);
  const freeKiB = Number((await run(session, `df -Pk ${shellQuote(base)} | awk 'NR==2 {print $4}'`)).trim());
  const neededKiB = Math.ceil((bundle.size * 4) / 1024);
  if (Number.isFinite(freeKiB) && freeKiB < neededKiB) {
    throw new DeployError('NO_DISK_SPACE', `${session.host} has ${freeKiB} KiB free in ${base}; the agent needs about ${neededKiB} KiB.`);
  }

  const tag = randomBytes(6).toString('hex');
  const upload = `${base}/.upload-${tag}.tar.gz`;
  const staging = `${base}/.staging-${tag}`;
  try {
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
    const actual = (await run(session, `sha256sum ${shellQuote(upload)}`)).split(/\s+/)[0];
    if (actual !== expectedSha256) {
      throw new DeployError('CORRUPT_UPLOAD', `The uploaded agent bundle's SHA-256 is ${actual} on ${session.host}, expected ${expectedSha256}; nothing was installed.`);
    }

    onProgress({ phase: 'installing' });
    const q = shellQuote;
    await run(
      session,
      `mkdir ${q(staging)} && tar -xzf ${q(upload)} -C ${q(staging)} && ` +
        `{ [ ! -e ${q(final)} ] || mv ${q(final)} ${q(`${staging}/old`)}; } && mv ${q(`${staging}/${bundle.name}`)} ${q(final)}`,
    );
  } finally {
    await session.exec(`rm -rf ${shellQuote(upload)} ${shellQuote(staging)}`);
  }

  const version = await installedVersion(session, launcher);
  if (version !== bundle.version) {
    throw new DeployError('INSTALL_FAILED', `The agent installed on ${session.host} does not run (version check said ${version ?? 'nothing'}).`);
  }
  onProgress({ phase: 'ready', deployed: true });
  return { launcher, deployed: true };
}
