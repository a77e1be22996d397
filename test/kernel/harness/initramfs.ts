/**
 * The guest's initramfs, as three cpio layers the kernel unpacks one after the other
 * (concatenated archives are allowed; later entries win):
 *
 *   modules   per kernel: lib/modules/<release> (the subtrees networking needs, depmod'ed)
 *   userland  shared: /init, busybox (shell, modprobe), bash, the oracles ip/tc/wg/nft/conntrack
 *             (+ ss, ping, wireguard-go) with their shared libraries, a few /etc files
 *   agent     every build: the agent bundle (dist/agent/…, with its own Node runtime) at
 *             /opt/wgpilot-agent, plus the guest control server bundled next to agent.mjs (so
 *             it finds koffi in the bundle's node_modules)
 *
 * Each layer is cached by a key of its inputs; the boot image per kernel is their
 * concatenation, cached by the three keys. The guest's root mirrors Debian's merged /usr
 * (bin, sbin, lib, lib64 are links into usr/), so host library paths work unchanged.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { CpioWriter } from './cpio.js';
import type { PreparedKernel } from './kernels.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const guestDir = path.resolve(import.meta.dirname, '../guest');
/** How long a cached image nobody used may stay (see removeStale). */
const STALE_AFTER_MS = 3600_000;
/** This file's own text is part of every cache key: a change to the layout rebuilds the layers. */
const LAYOUT = hash(fs.readFileSync(import.meta.filename));

/** Host binaries copied into the guest, with the libraries ldd names for them. */
export const GUEST_TOOLS = [
  '/usr/bin/bash',
  '/usr/sbin/ip',
  '/usr/sbin/tc',
  '/usr/bin/ss',
  '/usr/bin/wg',
  '/usr/sbin/nft',
  '/usr/sbin/conntrack',
  '/usr/bin/ping',
  '/usr/bin/wireguard-go',
];

/** Module subtrees the scenarios can need (networking, crypto, virtio); the rest stays out. */
const MODULE_SUBTREES = ['kernel/net', 'kernel/lib', 'kernel/crypto', 'kernel/arch', 'kernel/drivers/net', 'kernel/drivers/virtio', 'kernel/drivers/char'];

export interface InitramfsInputs {
  cacheDir: string;
  busybox: string;
  /** dist/agent/wgpilot-agent-<version>-linux-x64 */
  agentBundle: string;
}

/**
 * findAgentBundle returns the built agent bundle directory, or says to build it — also when
 * agent/src or migrations/ changed after the build: the guests run the bundle, and a stale one
 * would test yesterday's code.
 */
export function findAgentBundle(): string {
  const dist = path.join(repoRoot, 'dist/agent');
  const dir = fs.existsSync(dist) ? fs.readdirSync(dist).find((f) => /^wgpilot-agent-.*-linux-x64$/.test(f)) : undefined;
  if (!dir) throw new Error(`no agent bundle in ${dist}: run \`npm run build\` first`);
  const built = fs.statSync(path.join(dist, dir, 'manifest.json')).mtimeMs;
  let newest = { file: '', mtimeMs: 0 };
  for (const src of ['agent/src', 'migrations']) {
    walk(path.join(repoRoot, src), (f) => {
      const m = fs.statSync(f).mtimeMs;
      if (m > newest.mtimeMs) newest = { file: f, mtimeMs: m };
    });
  }
  if (newest.mtimeMs > built) throw new Error(`the agent bundle in ${dist} is older than ${path.relative(repoRoot, newest.file)}: run \`npm run build\``);
  return path.join(dist, dir);
}

/** bootImage returns the initramfs for `kernel`, building the layers that changed. */
export async function bootImage(kernel: PreparedKernel, inputs: InitramfsInputs): Promise<string> {
  const modules = modulesLayer(kernel);
  const userland = userlandLayer(inputs);
  const agent = await agentLayer(inputs);
  const key = hash([kernel.package, ...[modules, userland, agent].map((f) => path.basename(f))].join('\n'));
  const dir = path.join(inputs.cacheDir, kernel.spec.id);
  const image = path.join(dir, `initrd-${key}.cpio`);
  if (!fs.existsSync(image)) {
    const tmp = tmpName(image);
    fs.writeFileSync(tmp, '');
    for (const layer of [modules, userland, agent]) fs.appendFileSync(tmp, fs.readFileSync(layer));
    fs.renameSync(tmp, image);
  }
  removeStale(dir, /^initrd-.*\.cpio$/, image);
  return image;
}

function modulesLayer(kernel: PreparedKernel): string {
  const out = path.join(kernel.modulesRoot, `modules-${LAYOUT}.cpio`);
  removeStale(kernel.modulesRoot, /^modules-.*\.cpio$/, out);
  if (fs.existsSync(out)) return out;
  const src = path.join(kernel.modulesRoot, 'lib/modules', kernel.release);
  const tmp = tmpName(out);
  const w = new CpioWriter(tmp);
  const dest = `usr/lib/modules/${kernel.release}`;
  for (const f of fs.readdirSync(src).filter((f) => f.startsWith('modules.'))) w.copy(`${dest}/${f}`, path.join(src, f));
  for (const sub of MODULE_SUBTREES) addTree(w, path.join(src, sub), `${dest}/${sub}`);
  w.close();
  fs.renameSync(tmp, out);
  return out;
}

function userlandLayer(inputs: InitramfsInputs): string {
  const files = new Map<string, string>(); // guest path → host path
  files.set('usr/bin/busybox', inputs.busybox);
  for (const tool of GUEST_TOOLS) {
    if (!fs.existsSync(tool)) throw new Error(`${tool} is missing on this host (npm test installs it as root)`);
    files.set(guestPath(tool), tool);
    for (const lib of sharedLibraries(tool)) files.set(guestPath(lib), lib);
  }
  const init = fs.readFileSync(path.join(guestDir, 'init'));
  const key = hash([LAYOUT, init.toString('base64'), ...[...files].map(([g, h]) => `${g}:${fingerprint(h)}`)].join('\n'));
  const out = path.join(inputs.cacheDir, `userland-${key}.cpio`);
  removeStale(inputs.cacheDir, /^userland-.*\.cpio$/, out);
  if (fs.existsSync(out)) return out;
  const tmp = tmpName(out);
  const w = new CpioWriter(tmp);
  for (const [link, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']]) w.symlink(link ?? '', target ?? '');
  for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'root', 'var/lib', 'etc', 'usr/sbin']) w.dir(d);
  w.symlink('var/run', '../run');
  w.file('init', init, 0o755);
  for (const [g, h] of files) w.copy(g, h);
  // busybox for everything the real tools do not cover; modprobe in /sbin, where the kernel
  // runs it to load modules on demand.
  const real = new Set(GUEST_TOOLS.map((t) => path.basename(t)));
  for (const applet of busyboxApplets(inputs.busybox).filter((a) => !real.has(a))) {
    w.symlink(`${['modprobe', 'insmod', 'rmmod', 'depmod'].includes(applet) ? 'usr/sbin' : 'usr/bin'}/${applet}`, '/usr/bin/busybox');
  }
  w.file('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  w.file('etc/group', 'root:x:0:\n');
  w.file('etc/hosts', '127.0.0.1 localhost\n::1 localhost\n');
  w.file('etc/nsswitch.conf', 'hosts: files\n');
  if (fs.existsSync('/etc/iproute2')) addTree(w, '/etc/iproute2', 'etc/iproute2');
  w.close();
  fs.renameSync(tmp, out);
  return out;
}

async function agentLayer(inputs: InitramfsInputs): Promise<string> {
  const manifest = fs.readFileSync(path.join(inputs.agentBundle, 'manifest.json'));
  const control = await bundleControlServer();
  const key = hash(`${LAYOUT}\n${manifest.toString('base64')}\n${hash(control)}`);
  const out = path.join(inputs.cacheDir, `agent-${key}.cpio`);
  removeStale(inputs.cacheDir, /^agent-.*\.cpio$/, out);
  if (fs.existsSync(out)) return out;
  const tmp = tmpName(out);
  const w = new CpioWriter(tmp);
  addTree(w, inputs.agentBundle, 'opt/wgpilot-agent', (rel) => !rel.endsWith('.map'));
  w.file('opt/wgpilot-agent/kernel-guest.mjs', control);
  for (const lib of new Set(nativeModules(inputs.agentBundle).flatMap(sharedLibraries))) w.copy(guestPath(lib), lib);
  w.symlink('usr/bin/wgpilot-agent', '/opt/wgpilot-agent/wgpilot-agent');
  w.close();
  fs.renameSync(tmp, out);
  return out;
}

/**
 * bundleControlServer builds guest/control.ts (and what it imports from agent/src) into one ES
 * module; koffi and better-sqlite3 stay external and resolve from the agent bundle's
 * node_modules, as agent.mjs's do.
 */
async function bundleControlServer(): Promise<Buffer> {
  const result = await build({
    entryPoints: [path.join(guestDir, 'control.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    external: ['koffi', 'better-sqlite3'],
    banner: { js: "import { createRequire as __wgpCreateRequire } from 'node:module'; const require = __wgpCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no control server bundle');
  return Buffer.from(file.contents);
}

function busyboxApplets(busybox: string): string[] {
  return execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => /^[a-z0-9][\w.-]*$/.test(a) && a !== 'busybox');
}

/** The agent's executables with dynamic libraries: its Node runtime and the native addons. */
function nativeModules(bundle: string): string[] {
  const out = [path.join(bundle, 'node/bin/node')];
  walk(path.join(bundle, 'node_modules'), (f) => {
    if (f.endsWith('.node')) out.push(f);
  });
  return out;
}

/** sharedLibraries lists what ldd resolves for `file` (empty for static binaries). */
function sharedLibraries(file: string): string[] {
  let text = '';
  try {
    text = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // "not a dynamic executable"
  }
  return [...text.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? '').filter((p) => p !== '');
}

/** guestPath maps a host path to the archive, resolving directory links (merged /usr). */
function guestPath(hostFile: string): string {
  return path.join(fs.realpathSync(path.dirname(hostFile)), path.basename(hostFile)).replace(/^\//, '');
}

function addTree(w: CpioWriter, src: string, dest: string, keep: (rel: string) => boolean = () => true): void {
  if (!fs.existsSync(src)) return;
  walk(src, (f) => {
    const rel = path.relative(src, f);
    if (keep(rel)) w.copy(`${dest}/${rel}`, f);
  });
}

function walk(dir: string, onFile: (f: string) => void): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, onFile);
    else if (e.isFile() || e.isSymbolicLink()) onFile(p);
  }
}

function fingerprint(file: string): string {
  const st = fs.statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

function hash(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * removeStale deletes older versions of a cached file (matching `re`) and marks `current` as
 * used. Versions used within STALE_AFTER_MS stay: another run on this machine (another
 * checkout, another branch) may be about to boot them.
 */
function removeStale(dir: string, re: RegExp, current: string): void {
  if (!fs.existsSync(dir)) return;
  const now = Date.now();
  if (fs.existsSync(current)) fs.utimesSync(current, now / 1000, now / 1000);
  for (const f of fs.readdirSync(dir).filter((f) => re.test(f) && path.join(dir, f) !== current)) {
    const file = path.join(dir, f);
    if (now - fs.statSync(file).mtimeMs > STALE_AFTER_MS) fs.rmSync(file, { force: true });
  }
}

/** tmpName: a private name to build `file` under before renaming it into place (runs may overlap). */
function tmpName(file: string): string {
  return `${file}.tmp-${process.pid}`;
}
