/**
 * Host-key trust and agent deployment through the desktop core, against the lab's OpenSSH:
 * unknown keys are refused (with the fingerprint) until accepted — the jump host's and the
 * target's each on its own; a changed key is refused, also when the known key is of another
 * type, until the admin forgets it; an alias's UserKnownHostsFile, StrictHostKeyChecking and
 * HostKeyAlias are honoured; removing a profile forgets its key; the agent is deployed with
 * progress, replaced when another version is installed, and not installed at all when the
 * upload's hash is wrong.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployError, ensureAgent, findAgentBundle, type DeployProgress } from '../../src-main/core/agent-deploy.js';
import { desktopRouter } from '../../src-main/core/router.js';
import { HostKeyError, SshSession } from '../../src-main/core/ssh.js';
import { labHosts, repoRoot, useLab, type LabHosts, type UsedLab } from '../support/lab-hosts.js';

const fingerprintOf = (pubFile: string) => execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1]!;

describe('host keys and deployment (lab)', () => {
  let used: UsedLab;
  let scratch: string;
  const cores: LabHosts[] = [];

  beforeAll(async () => {
    used = await useLab();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-keys-'));
  });

  afterAll(async () => {
    for (const c of cores) c.dispose();
    for (const d of ['agent-install-desktop', 'agent-install-deploy']) fs.rmSync(path.join(used.status.dir, d), { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
    await used.release();
  });

  /**
   * The lab's ssh_config with its host-key pinning taken out (no UserKnownHostsFile, no
   * StrictHostKeyChecking): aliases `lab` and `lab-out` then fall back to the desktop's own
   * known_hosts files and trust on first use. `extra` lines are appended (more Host blocks).
   */
  function tofuConfig(extra: string[] = []): string {
    const file = path.join(scratch, `ssh_config_${cores.length}`);
    const text = fs.readFileSync(used.status.host.sshConfigPath, 'utf8').split('\n').filter((l) => !/^\s*(UserKnownHostsFile|StrictHostKeyChecking)\b/i.test(l));
    fs.writeFileSync(file, [...text, ...extra, ''].join('\n'));
    return file;
  }

  /** A desktop that knows no host keys at all (empty user known_hosts, fresh app file). */
  function stranger(userKnownHostsPaths: string[] = [], sshConfigPath = tofuConfig()): LabHosts {
    const c = labHosts(used.status, { userKnownHostsPaths, sshConfigPath });
    cores.push(c);
    return c;
  }

  const labFp = () => fingerprintOf(`${used.status.host.hostKeyPath}.pub`);
  const labPub = () => fs.readFileSync(`${used.status.host.hostKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');

  /** A known_hosts file pinning the lab host's address to a throwaway key of `type`. */
  function wrongKnownHosts(type: 'ed25519' | 'rsa'): { file: string; fingerprint: string } {
    const key = path.join(scratch, `other_${type}_${cores.length}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', key]);
    const file = path.join(scratch, `known_hosts_${type}_${cores.length}`);
    fs.writeFileSync(file, `${used.status.host.address} ${fs.readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    return { file, fingerprint: fingerprintOf(`${key}.pub`) };
  }

  it('refuses an unknown host key with its fingerprint until the admin accepts it, then remembers it (hashed)', async () => {
    const { hosts, dataDir } = stranger();
    const expected = fingerprintOf(`${used.status.host.hostKeyPath}.pub`);
    for (let i = 0; i < 2; i++) {
      const err = await hosts.connect({ alias: 'lab' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err).toMatchObject({ code: 'HOST_KEY_UNKNOWN', info: { host: used.status.host.address, fingerprint: expected } });
    }
    // Accepting another fingerprint than the one shown is no acceptance.
    await expect(hosts.connect({ alias: 'lab', acceptHostKey: 'SHA256:not-this-one' })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    const info = await hosts.connect({ alias: 'lab', acceptHostKey: expected });
    expect(info.hostKey.fingerprint).toBe(expected);
    hosts.disconnect(info.id);
    expect(fs.readFileSync(path.join(dataDir, 'known_hosts'), 'utf8')).toMatch(/^\|1\|\S+ ssh-ed25519 /);
    const again = await hosts.connect({ alias: 'lab' });
    expect(again.hostKey.fingerprint).toBe(expected);
  });

  it('checks the jump host key and the target key each on its own', async () => {
    const { hosts } = stranger();
    const jumpFp = fingerprintOf(`${used.status.host.hostKeyPath}.pub`);
    const outFp = fingerprintOf(`${used.status.outside.ssh.hostKeyPath}.pub`);
    await expect(hosts.connect({ alias: 'lab-out' })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN', info: { host: used.status.host.address, fingerprint: jumpFp } });
    await expect(hosts.connect({ alias: 'lab-out', acceptHostKey: jumpFp })).rejects.toMatchObject({
      code: 'HOST_KEY_UNKNOWN',
      info: { host: used.status.outside.ssh.address, fingerprint: outFp },
    });
    const info = await hosts.connect({ alias: 'lab-out', acceptHostKey: outFp });
    expect(info.jumpHostKeys[0]?.fingerprint).toBe(jumpFp);
    expect(info.hostKey.fingerprint).toBe(outFp);
  });

  it('refuses a host whose key differs from the known one (HOST_KEY_CHANGED)', async () => {
    const known = wrongKnownHosts('ed25519');
    const { hosts, dataDir } = stranger([known.file]);
    const err = await hosts.connect({ alias: 'lab', acceptHostKey: labFp() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOST_KEY_CHANGED', info: { fingerprint: labFp(), knownKeys: [{ keyType: 'ssh-ed25519', fingerprint: known.fingerprint }] } });
    expect((err as Error).message).toMatch(/CHANGED/);
    // Refused means refused: nothing was added to the app's own known_hosts either.
    expect(fs.existsSync(path.join(dataDir, 'known_hosts'))).toBe(false);
  });

  it('refuses a key of another type than the known one (an RSA key on file, the host presents ed25519)', async () => {
    const known = wrongKnownHosts('rsa');
    const { hosts, dataDir } = stranger([known.file]);
    const err = await hosts.connect({ alias: 'lab', acceptHostKey: labFp() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOST_KEY_CHANGED', info: { keyType: 'ssh-ed25519', knownKeys: [{ keyType: 'ssh-rsa', fingerprint: known.fingerprint }] } });
    expect(fs.existsSync(path.join(dataDir, 'known_hosts'))).toBe(false);
  });

  it('forgets a changed key the admin checked (only the fingerprints shown), then trusts the new one', async () => {
    const known = wrongKnownHosts('ed25519');
    fs.appendFileSync(known.file, `other.example ${labPub()}\n`);
    const c = stranger([known.file]);
    const caller = desktopRouter.createCaller({ hosts: c.hosts, mode: 'browser', version: 'test' });
    await expect(caller.hosts.connect({ alias: 'lab' })).rejects.toMatchObject({ cause: { code: 'HOST_KEY_CHANGED' } });
    // A fingerprint that is not on file forgets nothing.
    expect(await caller.hosts.forgetHostKey({ alias: 'lab', keyHost: { host: used.status.host.address, port: 22 }, fingerprints: [labFp()] })).toEqual({ removed: [], remaining: [] });
    await expect(caller.hosts.connect({ alias: 'lab' })).rejects.toMatchObject({ cause: { code: 'HOST_KEY_CHANGED' } });
    const r = await caller.hosts.forgetHostKey({ alias: 'lab', keyHost: { host: used.status.host.address, port: 22 }, fingerprints: [known.fingerprint] });
    expect(r).toEqual({ removed: [known.file], remaining: [] });
    expect(fs.readFileSync(known.file, 'utf8')).toBe(`other.example ${labPub()}\n`);
    await expect(caller.hosts.connect({ alias: 'lab' })).rejects.toMatchObject({ cause: { code: 'HOST_KEY_UNKNOWN' } });
    const info = await caller.hosts.connect({ alias: 'lab', acceptHostKey: labFp() });
    expect(info.hostKey.fingerprint).toBe(labFp());
    caller.hosts.disconnect({ id: info.id });
  });

  it("honours the alias's own UserKnownHostsFile: a key pinned there connects without a trust prompt", async () => {
    // The lab's ssh_config pins both sshds through UserKnownHostsFile; the desktop's own files are empty.
    const c = labHosts(used.status, { userKnownHostsPaths: [] });
    cores.push(c);
    const info = await c.hosts.connect({ alias: 'lab-out' });
    expect(info.hostKey.fingerprint).toBe(fingerprintOf(`${used.status.outside.ssh.hostKeyPath}.pub`));
    expect(fs.existsSync(path.join(c.dataDir, 'known_hosts'))).toBe(false);
  });

  it('honours StrictHostKeyChecking (yes refuses an unknown key even when accepted; accept-new trusts it unasked) and HostKeyAlias', async () => {
    const empty = path.join(scratch, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const pinnedByAlias = path.join(scratch, 'alias_known_hosts');
    fs.writeFileSync(pinnedByAlias, `lab-key-alias ${labPub()}\n`);
    const block = (alias: string, lines: string[]) => [`Host ${alias}`, `  HostName ${used.status.host.address}`, '  User root', `  IdentityFile ${used.status.host.keyPath}`, ...lines.map((l) => `  ${l}`)];
    const config = tofuConfig([
      ...block('strict', [`UserKnownHostsFile ${empty}`, 'StrictHostKeyChecking yes']),
      ...block('newok', [`UserKnownHostsFile ${empty}`, 'StrictHostKeyChecking accept-new']),
      ...block('aliased', [`UserKnownHostsFile ${pinnedByAlias}`, 'HostKeyAlias lab-key-alias', 'StrictHostKeyChecking yes']),
    ]);
    const { hosts, dataDir } = stranger([], config);
    await expect(hosts.connect({ alias: 'strict', acceptHostKey: labFp() })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    expect(fs.existsSync(path.join(dataDir, 'known_hosts'))).toBe(false);
    const aliased = await hosts.connect({ alias: 'aliased' });
    expect(aliased.hostKey).toMatchObject({ fingerprint: labFp(), hostKeyAlias: 'lab-key-alias' });
    hosts.disconnect(aliased.id);
    const fresh = await hosts.connect({ alias: 'newok' });
    expect(fresh.hostKey.fingerprint).toBe(labFp());
    hosts.disconnect(fresh.id);
    expect(fs.readFileSync(path.join(dataDir, 'known_hosts'), 'utf8')).toMatch(/^\|1\|\S+ ssh-ed25519 /);
  });

  it("removing a profile removes its host key from the app's known_hosts (unless another profile uses the host)", async () => {
    const c = stranger();
    const caller = desktopRouter.createCaller({ hosts: c.hosts, mode: 'browser', version: 'test' });
    const appFile = path.join(c.dataDir, 'known_hosts');
    const profile = { host: used.status.host.address, user: 'root', auth: 'key' as const, keyPath: used.status.host.keyPath };
    const a = await caller.profiles.save({ name: 'a', ...profile });
    const b = await caller.profiles.save({ name: 'b', ...profile });
    const info = await caller.hosts.connect({ profileId: a.id, acceptHostKey: labFp() });
    caller.hosts.disconnect({ id: info.id });
    expect(fs.readFileSync(appFile, 'utf8')).toContain('ssh-ed25519');
    await caller.profiles.remove({ id: a.id });
    expect(fs.readFileSync(appFile, 'utf8')).toContain('ssh-ed25519'); // b still reaches that host
    await caller.profiles.remove({ id: b.id });
    expect(fs.readFileSync(appFile, 'utf8')).not.toContain('ssh-ed25519');
  });

  describe('deployment', () => {
    let ssh: SshSession;
    const bundle = findAgentBundle(path.join(repoRoot, 'dist/agent'));
    let installDir: string;
    let final: string;

    beforeAll(async () => {
      installDir = path.join(used.status.dir, 'agent-install-deploy');
      final = path.join(installDir, `${bundle.version}-${bundle.platform}`);
      ssh = await SshSession.connect({
        host: used.status.host.address,
        username: 'root',
        privateKeyPath: used.status.host.keyPath,
        appKnownHostsPath: path.join(scratch, 'deploy_known_hosts'),
        userKnownHostsPaths: [used.status.host.knownHostsPath],
      });
    });

    afterAll(() => ssh?.close());

    it('deploys an absent agent with upload progress, then finds it installed', async () => {
      fs.rmSync(installDir, { recursive: true, force: true });
      const events: DeployProgress[] = [];
      const r = await ensureAgent(ssh, bundle, (p) => events.push(p), { installDir });
      expect(r).toEqual({ launcher: path.join(final, 'wgpilot-agent'), deployed: true, verify: bundle.sumsSha256 });
      const uploads = events.filter((e) => e.phase === 'uploading');
      expect(uploads.length).toBeGreaterThan(3);
      expect(uploads.at(-1)).toEqual({ phase: 'uploading', sent: bundle.size, total: bundle.size });
      expect(events.map((e) => e.phase).filter((p, i, a) => p !== a[i - 1])).toEqual(['checking', 'uploading', 'verifying', 'installing', 'ready']);
      expect(events.at(-1)).toEqual({ phase: 'ready', deployed: true });
      expect(execFileSync(r.launcher, ['version', '--json'], { encoding: 'utf8' })).toContain(`"version":"${bundle.version}"`);
      // Root's, writable by nobody else, with a stable `current` link to it.
      for (const f of [final, ...fs.readdirSync(final, { recursive: true }).map((e) => path.join(final, String(e)))]) {
        const st = fs.lstatSync(f);
        expect({ f, uid: st.uid, gid: st.gid, groupOrOtherWritable: (st.mode & 0o022) !== 0 }).toEqual({ f, uid: 0, gid: 0, groupOrOtherWritable: false });
      }
      expect(fs.readlinkSync(path.join(installDir, 'current'))).toBe(`${bundle.version}-${bundle.platform}`);
      expect(fs.readdirSync(installDir).sort()).toEqual([`${bundle.version}-${bundle.platform}`, 'current']);

      const second: DeployProgress[] = [];
      expect(await ensureAgent(ssh, bundle, (p) => second.push(p), { installDir })).toMatchObject({ deployed: false });
      expect(second).toEqual([{ phase: 'checking' }, { phase: 'ready', deployed: false }]);
    });

    it('replaces an agent of another version', async () => {
      fs.rmSync(final, { recursive: true, force: true });
      fs.mkdirSync(final, { recursive: true });
      fs.writeFileSync(path.join(final, 'wgpilot-agent'), '#!/bin/sh\necho \'{"version":"0.0.1-old"}\'\n', { mode: 0o755 });
      fs.writeFileSync(path.join(final, 'SHA256SUMS'), 'not this bundle\n');
      const r = await ensureAgent(ssh, bundle, undefined, { installDir });
      expect(r.deployed).toBe(true);
      expect(JSON.parse(execFileSync(r.launcher, ['version', '--json'], { encoding: 'utf8' }))).toMatchObject({ version: bundle.version });
      expect(fs.readdirSync(installDir).filter((f) => f.startsWith('.'))).toEqual([]);
    });

    it('refuses a corrupt upload (hash mismatch) and installs nothing', async () => {
      fs.rmSync(installDir, { recursive: true, force: true });
      const err = await ensureAgent(ssh, bundle, undefined, { installDir, expectedSha256: '0'.repeat(64) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeployError);
      expect(err).toMatchObject({ code: 'CORRUPT_UPLOAD' });
      expect((err as Error).message).toContain(bundle.sha256); // the hash actually seen on the host
      expect(fs.readdirSync(installDir)).toEqual([]); // no final folder, no upload or staging leftovers
    });

    it('refuses an install dir that others may write to (INSTALL_DIR_UNSAFE), installing nothing', async () => {
      const unsafe = path.join(used.status.dir, 'agent-install-unsafe');
      fs.rmSync(unsafe, { recursive: true, force: true });
      fs.mkdirSync(unsafe, { mode: 0o777 });
      fs.chmodSync(unsafe, 0o777);
      try {
        await expect(ensureAgent(ssh, bundle, undefined, { installDir: path.join(unsafe, 'sub') })).rejects.toMatchObject({ code: 'INSTALL_DIR_UNSAFE' });
        expect(fs.readdirSync(unsafe)).toEqual(['sub']); // mkdir -p ran; nothing else
        await expect(ensureAgent(ssh, bundle, undefined, { installDir: '~/.wgpilot/agent' })).rejects.toMatchObject({ code: 'INSTALL_DIR_UNSAFE' });
      } finally {
        fs.rmSync(unsafe, { recursive: true, force: true });
      }
    });

    it('the launcher refuses (as root) an install whose files changed, before running anything of it', async () => {
      const r = await ensureAgent(ssh, bundle, undefined, { installDir });
      const marker = path.join(used.status.dir, 'launcher-tamper-ran');
      fs.rmSync(marker, { force: true });
      const agentMjs = path.join(final, 'agent.mjs');
      const original = fs.readFileSync(agentMjs);
      fs.appendFileSync(agentMjs, `\n(await import('node:fs')).writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
      try {
        const run = (args: string[]) => spawnSync(r.launcher, args, { encoding: 'utf8' });
        const refused = run(['--verify', r.verify, 'version']);
        expect(refused.status).toBe(120);
        expect(refused.stderr).toMatch(/refusing to run the agent .*its files do not match SHA256SUMS/);
        expect(fs.existsSync(marker)).toBe(false);
        fs.writeFileSync(agentMjs, original);
        fs.writeFileSync(path.join(final, 'extra.js'), '');
        expect(run(['--verify', r.verify, 'version']).stderr).toMatch(/its files do not match SHA256SUMS \(changed, missing or unlisted\)/);
        fs.rmSync(path.join(final, 'extra.js'));
        fs.symlinkSync('/etc/hostname', path.join(final, 'link'));
        expect(run(['--verify', r.verify, 'version']).stderr).toMatch(/is a symlink/);
        fs.rmSync(path.join(final, 'link'));
        // A file someone else owns (it could be rewritten between the check and the start), or that others may write.
        fs.chownSync(agentMjs, 65534, 65534);
        expect(run(['--verify', r.verify, 'version']).stderr).toMatch(/not root's/);
        fs.chownSync(agentMjs, 0, 0);
        fs.chmodSync(agentMjs, 0o666);
        expect(run(['--verify', r.verify, 'version']).stderr).toMatch(/writable by others/);
        fs.chmodSync(agentMjs, 0o644);
        // A folder above it that others may write to (they could swap the whole install).
        fs.chmodSync(installDir, 0o777);
        expect(run(['--verify', r.verify, 'version']).stderr).toMatch(new RegExp(`${installDir} \\(uid 0, mode 777\\) must belong to root and be writable by nobody else`));
        fs.chmodSync(installDir, 0o755);
        expect(run(['--verify', '0'.repeat(64), 'version']).stderr).toMatch(/SHA256SUMS is not the one this desktop built/);
        expect(run(['--verify', r.verify, 'version'])).toMatchObject({ status: 0, stdout: `wgpilot-agent ${bundle.version}\n` });
      } finally {
        fs.writeFileSync(agentMjs, original);
        fs.chownSync(agentMjs, 0, 0);
        fs.chmodSync(agentMjs, 0o644);
        fs.chmodSync(installDir, 0o755);
        fs.rmSync(marker, { force: true });
      }
    });
  });

  describe('a sudo user', () => {
    it("cannot change what root runs: the install is root's, and a changed file is refused and reinstalled before the agent runs", async () => {
      const installDir = path.join(used.status.dir, 'agent-install-sudo');
      fs.rmSync(installDir, { recursive: true, force: true });
      const user = used.status.users.nopasswd;
      const c = labHosts(used.status, { remoteAgentDir: installDir });
      cores.push(c);
      const marker = path.join(used.status.dir, 'sudo-tamper-ran');
      fs.rmSync(marker, { force: true });
      try {
        const info = await c.hosts.connect({ alias: 'lab', user: user.name });
        expect(info).toMatchObject({ privilege: 'sudo', deployed: true, agent: { privileged: true } });
        c.hosts.disconnect(info.id);
        const final = path.join(installDir, `${info.agent.version}-linux-x64`);
        const agentMjs = path.join(final, 'agent.mjs');
        const line = `\n(await import('node:fs')).writeFileSync(${JSON.stringify(marker)}, String(process.getuid()));\n`;
        // The login user cannot append to what root runs.
        const asUser = spawnSync('runuser', ['-u', user.name, '--', 'sh', '-c', `printf '%s' "$1" >> "$2"`, 'sh', line, agentMjs], { encoding: 'utf8' });
        expect(asUser.status).not.toBe(0);
        expect(asUser.stderr).toMatch(/Permission denied/);
        // Changed anyway (a damaged disk, a root process): the next connect refuses it as root and reinstalls.
        fs.appendFileSync(agentMjs, line);
        const again = await c.hosts.connect({ alias: 'lab', user: user.name });
        expect(again.agent.privileged).toBe(true);
        expect(fs.existsSync(marker)).toBe(false);
        expect(fs.readFileSync(agentMjs, 'utf8')).not.toContain(marker);
        expect(c.logs.some((l) => l.startsWith('installed agent failed its check; reinstalling'))).toBe(true);
      } finally {
        fs.rmSync(installDir, { recursive: true, force: true });
        fs.rmSync(marker, { force: true });
      }
    });
  });
});
