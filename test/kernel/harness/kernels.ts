/**
 * The stock kernels the tier boots, and how each is had: Debian's cloud kernel package fetched
 * with apt, unpacked (`dpkg-deb -x`), its module tree indexed (`depmod -b`, which the .deb does
 * not ship) and its ELF `vmlinux` pulled out of the bzImage so qemu can boot it through PVH
 * without the decompression stub. Everything is cached under the kernel cache by package
 * name; a new kernel version is a new directory, and the old one is removed.
 *
 * Layout: <cache>/<id>/tree-<package>/{vmlinux, lib/modules/<release>/…, release}.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Apt } from './apt.js';

const exec = promisify(execFile);

export interface KernelSpec {
  /** Short id used in paths and test names: debian12, debian13. */
  id: string;
  /** How tests name it: "Debian 12 (6.1 cloud)". */
  label: string;
  /** Debian suite of the package; the host's own sources when it is the host's codename. */
  suite: string;
}

/** KERNELS: Debian 12's cloud kernel in every run, Debian 13's too (see README: time budget). */
export const KERNELS: readonly KernelSpec[] = [
  { id: 'debian12', label: 'Debian 12 (6.1 cloud)', suite: 'bookworm' },
  { id: 'debian13', label: 'Debian 13 (6.12 cloud)', suite: 'trixie' },
];

export interface PreparedKernel {
  spec: KernelSpec;
  /** The package it came from: linux-image-6.1.0-57-cloud-amd64. */
  package: string;
  /** `uname -r` in the guest. */
  release: string;
  vmlinux: string;
  /** Root of a tree with lib/modules/<release>/ (depmod'ed). */
  modulesRoot: string;
}

/** Compressed-payload magics in a bzImage, and the tool that inflates each (packages lz4, zstd). */
const PAYLOADS: Array<{ magic: Buffer; argv: string[] }> = [
  { magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), argv: ['lz4', '-dc'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), argv: ['zstd', '-dcq'] },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), argv: ['xz', '-dcq'] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), argv: ['gzip', '-dcq'] },
];

/**
 * prepareKernel fetches (or finds in the cache) the spec's cloud kernel. `busybox` is the
 * static busybox whose depmod indexes the modules (kmod is not on every CI host).
 */
export async function prepareKernel(spec: KernelSpec, cacheDir: string, busybox: string, log: (msg: string) => void): Promise<PreparedKernel> {
  const dir = path.join(cacheDir, spec.id);
  const apt = hostCodename() === spec.suite ? Apt.host() : Apt.forSuite(spec.suite, path.join(dir, 'apt'));
  let pkg: string;
  try {
    pkg = await apt.dependencyOf('linux-image-cloud-amd64', /^linux-image-\d.*-cloud-amd64$/);
  } catch (err) {
    // Offline: a kernel fetched by an earlier run still proves the code; say which one.
    const cached = cachedTrees(dir)[0];
    if (!cached) throw err;
    log(`${spec.label}: apt unavailable (${(err as Error).message.split('\n')[0]}), using the cached ${cached}`);
    pkg = cached.replace(/^tree-/, '');
  }
  const tree = path.join(dir, `tree-${pkg}`);
  if (!fs.existsSync(path.join(tree, 'release'))) {
    const started = Date.now();
    const debs = path.join(dir, `debs-${process.pid}`);
    fs.rmSync(debs, { recursive: true, force: true });
    // Stale package lists name a .deb the mirror no longer has: refresh them once and retry.
    const deb = await apt.download(pkg, debs).catch(async (err: unknown) => {
      log(`${spec.label}: ${(err as Error).message.split('\n')[0]}; updating the package lists and trying again`);
      await apt.update();
      return apt.download(pkg, debs);
    });
    await unpackKernel(deb, tree, busybox);
    fs.rmSync(debs, { recursive: true, force: true });
    log(`${spec.label}: ${pkg} fetched and unpacked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  for (const old of cachedTrees(dir).filter((t) => t !== `tree-${pkg}`)) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  const release = fs.readFileSync(path.join(tree, 'release'), 'utf8').trim();
  return { spec, package: pkg, release, vmlinux: path.join(tree, 'vmlinux'), modulesRoot: tree };
}

/** unpackKernel turns a linux-image .deb into `tree` (atomically: built aside, then renamed). */
async function unpackKernel(deb: string, tree: string, busybox: string): Promise<void> {
  const tmp = `${tree}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const raw = path.join(tmp, 'deb');
  fs.mkdirSync(raw, { recursive: true });
  await exec('dpkg-deb', ['-x', deb, raw]);
  // Debian 12 ships /lib/modules, Debian 13 /usr/lib/modules (merged /usr).
  const modules = [path.join(raw, 'lib/modules'), path.join(raw, 'usr/lib/modules')].find((d) => fs.existsSync(d));
  if (!modules) throw new Error(`${deb}: no lib/modules inside`);
  const [release] = fs.readdirSync(modules);
  if (!release) throw new Error(`${deb}: empty lib/modules`);
  fs.mkdirSync(path.join(tmp, 'lib'), { recursive: true });
  fs.renameSync(modules, path.join(tmp, 'lib/modules'));
  await decompressModules(path.join(tmp, 'lib/modules', release));
  // Equivalent to: `depmod -b <tree> <release>` (modules.dep, modules.alias for autoload).
  await exec(busybox, ['depmod', '-b', tmp, release]);
  const bzImage = path.join(raw, 'boot', `vmlinuz-${release}`);
  await extractVmlinux(bzImage, path.join(tmp, 'vmlinux'));
  fs.rmSync(raw, { recursive: true, force: true });
  fs.writeFileSync(path.join(tmp, 'release'), `${release}\n`);
  if (fs.existsSync(path.join(tree, 'release'))) {
    fs.rmSync(tmp, { recursive: true, force: true }); // another run unpacked it meanwhile
    return;
  }
  fs.rmSync(tree, { recursive: true, force: true });
  fs.renameSync(tmp, tree);
}

/** Module compressions (Debian 13 ships .ko.xz) and the tool that undoes each in place. */
const MODULE_COMPRESSIONS: Array<{ ext: string; argv: string[] }> = [
  { ext: '.ko.xz', argv: ['xz', '-d'] },
  { ext: '.ko.zst', argv: ['zstd', '-dq', '--rm'] },
  { ext: '.ko.gz', argv: ['gzip', '-d'] },
];

/**
 * decompressModules turns compressed modules into plain .ko once, here: busybox's modprobe in
 * the guest would otherwise inflate each under emulation, after the kernel has refused the
 * compressed file ("Invalid ELF header magic" in dmesg for every module).
 */
async function decompressModules(dir: string): Promise<void> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  for (const { ext, argv } of MODULE_COMPRESSIONS) {
    const these = files.filter((f) => f.endsWith(ext));
    for (let i = 0; i < these.length; i += 500) {
      const [cmd, ...args] = argv;
      await exec(cmd ?? '', [...args, ...these.slice(i, i + 500)]);
    }
  }
}

/**
 * extractVmlinux finds the compressed kernel inside a bzImage (as the kernel's
 * scripts/extract-vmlinux does) and inflates it to an ELF. The tools exit non-zero on the
 * trailing bytes after the payload; the ELF magic is what says it worked.
 */
export async function extractVmlinux(bzImage: string, out: string): Promise<void> {
  const data = fs.readFileSync(bzImage);
  for (const { magic, argv } of PAYLOADS) {
    for (let at = data.indexOf(magic); at >= 0; at = data.indexOf(magic, at + 1)) {
      const elf = await inflate(argv, data.subarray(at));
      if (elf.length > 4 && elf.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
        fs.writeFileSync(out, elf);
        return;
      }
    }
  }
  throw new Error(`${bzImage}: no lz4/zstd/xz/gzip payload that inflates to an ELF vmlinux (are lz4 and zstd installed?)`);
}

function inflate(argv: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd ?? '', args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(Buffer.alloc(0)));
    child.on('close', () => resolve(Buffer.concat(chunks)));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function cachedTrees(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.startsWith('tree-') && !f.includes('.tmp') && fs.existsSync(path.join(dir, f, 'release')));
  } catch {
    return [];
  }
}

function hostCodename(): string {
  try {
    return /^VERSION_CODENAME=(\S+)/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

/**
 * prepareBusybox fetches busybox-static with the host's apt and returns
 * the path of its binary (cached once fetched): the guest's shell and modprobe, and the host's depmod.
 */
export async function prepareBusybox(cacheDir: string): Promise<string> {
  const apt = Apt.host();
  const dir = path.join(cacheDir, 'busybox');
  const bin = path.join(dir, 'busybox');
  if (fs.existsSync(bin)) return bin;
  const debs = path.join(dir, `debs-${process.pid}`);
  const deb = await apt.download('busybox-static', debs);
  const raw = path.join(dir, `raw-${process.pid}`);
  fs.rmSync(raw, { recursive: true, force: true });
  await exec('dpkg-deb', ['-x', deb, raw]);
  const tmp = `${bin}.tmp-${process.pid}`;
  fs.copyFileSync(path.join(raw, 'bin/busybox'), tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, bin);
  fs.rmSync(raw, { recursive: true, force: true });
  fs.rmSync(debs, { recursive: true, force: true });
  return bin;
}
