#!/usr/bin/env node
// Builds the host agent as a self-contained folder plus a tarball:
//
//   dist/agent/wgpilot-agent-<version>-<platform>/
//     wgpilot-agent        launcher (build/launcher.sh): `--verify <sha256>` checks the install
//                          (root-owned, files match SHA256SUMS) before running agent.mjs
//     agent.mjs            the agent, bundled by esbuild (pure JS dependencies inlined)
//     node/bin/node        the Node.js runtime for the platform (npm package node-<platform>,
//                          the current LTS, pinned exactly in package.json)
//     node_modules/        the native modules, copied explicitly (see NATIVE_PACKAGES)
//     wgpilot-agent.service  systemd unit template (install-service fills it in)
//     manifest.json        version, protocol, platform, Node ABI, sha256 of every file
//     SHA256SUMS           the same hashes (manifest.json's too) in `sha256sum -c` form, for
//                          the launcher; the desktop pins SHA256SUMS's own SHA-256
//   dist/agent/wgpilot-agent-<version>-<platform>.tar.gz (+ .sha256, + .SHA256SUMS beside it)
//
// Native modules cannot be inlined into a bundle: their .node files are built for one Node ABI,
// libc and CPU. They are listed here by name, copied with only the files they load at run time,
// and loaded once after the build, under the bundled runtime, as a smoke check, so a missing
// file or a wrong ABI fails the build rather than a host.
//
// The bundled runtime is not the Node that builds (the desktop and the tests run on the
// machine's Node, whose node_modules/better-sqlite3 is built for its ABI): better-sqlite3 is
// compiled a second time for the runtime's ABI with node-gyp against the headers that the
// node-<platform> package carries (--nodedir, no download), and cached by module version, ABI
// and platform in node_modules/.cache (about a minute the first time). koffi loads through
// Node-API, which is ABI-stable, so its prebuilt binary serves both.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const platform = `${process.platform}-${process.arch}`;
const name = `wgpilot-agent-${pkg.version}-${platform}`;
const distDir = path.join(root, 'dist', 'agent');
const outDir = path.join(distDir, name);

/** Packages the agent loads at run time that carry compiled code, and what of them to ship. */
const NATIVE_PACKAGES = [
  // build/Release/better_sqlite3.node comes from nativeForRuntime(), not from node_modules.
  { name: 'better-sqlite3', files: ['package.json', 'lib'] },
  { name: 'bindings', files: ['package.json', 'bindings.js'] },
  { name: 'file-uri-to-path', files: ['package.json', 'index.js'] },
  { name: 'koffi', files: ['package.json', 'index.js', 'index.cjs', 'indirect.js', 'indirect.cjs', 'lib', 'src/koffi/index.js', 'src/koffi/index.cjs', 'src/koffi/indirect.js', 'src/koffi/indirect.cjs', 'src/koffi/src'] },
  { name: `@koromix/koffi-${platform}`, files: ['package.json', 'index.js', `${process.platform}_${process.arch}`] },
];

/** Copies a file or folder; C/C++ sources are left out unless `sources` (for a native build). */
function copy(from, to, { sources = false } = {}) {
  const st = fs.statSync(from);
  if (st.isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from)) {
      if (!sources && (entry.endsWith('.cc') || entry.endsWith('.hh') || entry === 'CMakeLists.txt')) continue;
      copy(path.join(from, entry), path.join(to, entry), { sources });
    }
  } else {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
}

function walk(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [path.relative(base, p)];
  });
}

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * better-sqlite3's addon built for the bundled runtime's ABI (see the header), from the cache
 * when this module version was built for this ABI before. Returns the .node file's path.
 */
function betterSqliteForRuntime(runtimePkg, abi, { quiet }) {
  const src = path.join(root, 'node_modules', 'better-sqlite3');
  const version = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8')).version;
  const key = `better-sqlite3-${version}-abi${abi}-${platform}`;
  const cacheDir = path.join(root, 'node_modules', '.cache', 'wgpilot-agent-native');
  const cached = path.join(cacheDir, key, 'better_sqlite3.node');
  if (fs.existsSync(cached)) return cached;
  if (!quiet) console.log(`agent bundle: compiling ${key} for the bundled Node.js (about a minute, cached afterwards)`);
  const work = path.join(cacheDir, `${key}.build-${process.pid}`);
  fs.rmSync(work, { recursive: true, force: true });
  for (const f of ['package.json', 'binding.gyp', 'src', 'deps']) copy(path.join(src, f), path.join(work, f), { sources: true });
  const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  try {
    execFileSync(process.execPath, [gyp, 'rebuild', '--release', `--nodedir=${runtimePkg}`, `--jobs=${Math.max(1, Math.min(2, os.availableParallelism()))}`], {
      cwd: work,
      stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
      env: { ...process.env, npm_config_nodedir: runtimePkg },
    });
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), `${cached}.tmp`);
    fs.renameSync(`${cached}.tmp`, cached);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return cached;
}

export async function buildAgentBundle({ quiet = false } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  // The SQL migrations travel inside the bundle (agent/src/db/migrations.ts reads this define;
  // unbundled runs read the migrations/ folder instead).
  const migrationsDir = path.join(root, 'migrations');
  const migrations = fs
    .readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => ({ file, sql: fs.readFileSync(path.join(migrationsDir, file), 'utf8') }));

  await build({
    entryPoints: [path.join(root, 'agent/src/cli.ts')],
    outfile: path.join(outDir, 'agent.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    external: NATIVE_PACKAGES.map((p) => p.name),
    define: { __WGPILOT_VERSION__: JSON.stringify(pkg.version), __WGPILOT_MIGRATIONS__: JSON.stringify(migrations) },
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __wgpCreateRequire } from 'node:module'; const require = __wgpCreateRequire(import.meta.url);" },
    logLevel: quiet ? 'warning' : 'info',
  });

  for (const native of NATIVE_PACKAGES) {
    const src = path.join(root, 'node_modules', native.name);
    if (!fs.existsSync(src)) throw new Error(`native package ${native.name} is not installed; run npm ci`);
    for (const f of native.files.filter(Boolean)) {
      copy(path.join(src, f), path.join(outDir, 'node_modules', native.name, f));
    }
  }

  // The runtime: hosts need nothing installed but SSH.
  const runtimePkg = path.join(root, 'node_modules', `node-${platform}`);
  if (!fs.existsSync(path.join(runtimePkg, 'bin', 'node'))) {
    throw new Error(`Node.js runtime package node-${platform} is not installed; run npm ci (only linux-x64 is supported)`);
  }
  copy(path.join(runtimePkg, 'bin', 'node'), path.join(outDir, 'node', 'bin', 'node'));
  copy(path.join(runtimePkg, 'LICENSE'), path.join(outDir, 'node', 'LICENSE'));
  fs.chmodSync(path.join(outDir, 'node', 'bin', 'node'), 0o755);
  const runtimeNode = path.join(outDir, 'node', 'bin', 'node');
  const [runtimeVersion, runtimeAbi] = execFileSync(runtimeNode, ['-p', 'process.version + " " + process.versions.modules'], { encoding: 'utf8' }).trim().split(' ');
  const addon = path.join(outDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  fs.mkdirSync(path.dirname(addon), { recursive: true });
  fs.copyFileSync(betterSqliteForRuntime(runtimePkg, runtimeAbi, { quiet }), addon);

  const launcher = path.join(outDir, 'wgpilot-agent');
  fs.copyFileSync(path.join(root, 'build', 'launcher.sh'), launcher);
  fs.chmodSync(launcher, 0o755);

  // The systemd unit template, read by `wgpilot-agent install-service` from beside agent.mjs.
  fs.copyFileSync(path.join(root, 'build', 'wgpilot-agent.service'), path.join(outDir, 'wgpilot-agent.service'));

  const files = walk(outDir).sort();
  const manifest = {
    name: 'wgpilot-agent',
    version: pkg.version,
    platform,
    nodeAbi: runtimeAbi,
    node: runtimeVersion,
    natives: NATIVE_PACKAGES.map((p) => p.name),
    files: Object.fromEntries(files.map((f) => [f, sha256(path.join(outDir, f))])),
  };
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  // The launcher's check list: every file, manifest.json included, as `sha256sum` prints it.
  const sums = [...files, 'manifest.json'].sort().map((f) => `${sha256(path.join(outDir, f))}  ${f}\n`).join('');
  fs.writeFileSync(path.join(outDir, 'SHA256SUMS'), sums);

  // Smoke check, under the bundled runtime: the bundle runs, and both native modules load from
  // the bundle's own folder (better-sqlite3 opens a database and runs a statement; koffi loads libc).
  const out = execFileSync(launcher, ['version'], { encoding: 'utf8' }).trim();
  if (out !== `wgpilot-agent ${pkg.version}`) throw new Error(`agent bundle smoke check printed '${out}'`);
  const smoke = execFileSync(
    runtimeNode,
    ['-e', "const r=require('node:module').createRequire(process.argv[1]+'/x');const d=new (r('better-sqlite3'))(':memory:');const v=d.prepare('select sqlite_version() v').get().v;d.close();r('koffi').load('libc.so.6');console.log(process.versions.modules+' '+v);", outDir],
    { encoding: 'utf8' },
  ).trim();
  if (!smoke.startsWith(`${runtimeAbi} `)) throw new Error(`agent bundle smoke check under the bundled Node.js printed '${smoke}'`);
  // The launcher refuses files SHA256SUMS does not list: the smoke check must have left none.
  const unlisted = walk(outDir).filter((f) => f !== 'SHA256SUMS' && !sums.includes(`  ${f}\n`));
  if (unlisted.length > 0) throw new Error(`agent bundle: files appeared after SHA256SUMS was written: ${unlisted.join(', ')}`);

  const tarball = path.join(distDir, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '--owner=0', '--group=0', '--numeric-owner', '-C', distDir, name]);
  fs.writeFileSync(`${tarball}.sha256`, `${sha256(tarball)}  ${path.basename(tarball)}\n`);
  // The desktop reads the pinned SHA256SUMS from here without unpacking the tarball.
  fs.copyFileSync(path.join(outDir, 'SHA256SUMS'), `${tarball}.SHA256SUMS`);
  if (!quiet) console.log(`agent bundle: ${path.relative(root, outDir)} (${files.length} files), ${path.relative(root, tarball)}`);
  return { dir: outDir, tarball, version: pkg.version, platform };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAgentBundle().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
