/**
 * Host-key trust and agent deployment through the desktop core, against the lab's OpenSSH:
 * unknown keys are refused (with the fingerprint) until accepted — the jump host's and the
 * target's each on its own; a changed key is refused; the agent is deployed with progress,
 * replaced when another version is installed, and not installed at all when the upload's hash
 * is wrong.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployError, ensureAgent, findAgentBundle, type DeployProgress } from '../../src-main/core/agent-deploy.js';
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

  /** A desktop that knows no host keys at all (empty user known_hosts, fresh app file). */
  function stranger(userKnownHostsPaths: string[] = []): LabHosts {
    const c = labHosts(used.status, { userKnownHostsPaths });
    cores.push(c);
    return c;
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
    const throwaway = path.join(scratch, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', throwaway]);
    const known = path.join(scratch, 'known_hosts_changed');
    fs.writeFileSync(known, `${used.status.host.address} ${fs.readFileSync(`${throwaway}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const { hosts, dataDir } = stranger([known]);
    const err = await hosts.connect({ alias: 'lab', acceptHostKey: fingerprintOf(`${used.status.host.hostKeyPath}.pub`) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOST_KEY_CHANGED', info: { fingerprint: fingerprintOf(`${used.status.host.hostKeyPath}.pub`) } });
    expect((err as Error).message).toMatch(/CHANGED/);
    // Refused means refused: nothing was added to the app's own known_hosts either.
    expect(fs.existsSync(path.join(dataDir, 'known_hosts'))).toBe(false);
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
      expect(r).toEqual({ launcher: path.join(final, 'wgpilot-agent'), deployed: true });
      const uploads = events.filter((e) => e.phase === 'uploading');
      expect(uploads.length).toBeGreaterThan(3);
      expect(uploads.at(-1)).toEqual({ phase: 'uploading', sent: bundle.size, total: bundle.size });
      expect(events.map((e) => e.phase).filter((p, i, a) => p !== a[i - 1])).toEqual(['checking', 'uploading', 'verifying', 'installing', 'ready']);
      expect(events.at(-1)).toEqual({ phase: 'ready', deployed: true });
      expect(execFileSync(r.launcher, ['version', '--json'], { encoding: 'utf8' })).toContain(`"version":"${bundle.version}"`);

      const second: DeployProgress[] = [];
      expect(await ensureAgent(ssh, bundle, (p) => second.push(p), { installDir })).toMatchObject({ deployed: false });
      expect(second).toEqual([{ phase: 'checking' }, { phase: 'ready', deployed: false }]);
    });

    it('replaces an agent of another version', async () => {
      fs.rmSync(final, { recursive: true, force: true });
      fs.mkdirSync(final, { recursive: true });
      fs.writeFileSync(path.join(final, 'wgpilot-agent'), '#!/bin/sh\necho \'{"version":"0.0.1-old"}\'\n', { mode: 0o755 });
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
  });
});
