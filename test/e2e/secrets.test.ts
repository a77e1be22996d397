/**
 * No secret is ever written by the desktop: after sessions that used a sudo password and an
 * encrypted key's passphrase (including a reconnect, which reuses them from memory), neither the
 * app's data folder nor anything the core logged contains the password, the passphrase or the
 * private key. With an OS-keychain store (Electron's safeStorage shape; here a test cipher) a
 * remembered passphrase is on disk only sealed, and the sudo password is never kept; in browser
 * mode nothing is kept at all. A sudo password offered where sudo does not ask is never sent.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAgent, findAgentBundle } from '../../src-main/core/agent-deploy.js';
import { openAgentSession } from '../../src-main/core/agent-session.js';
import { desktopRouter } from '../../src-main/core/router.js';
import { SshSession } from '../../src-main/core/ssh.js';
import { SealedFileSecretStore, type SecretCipher } from '../../src-main/core/secrets.js';
import { labHosts, repoRoot, useLab, type LabHosts, type UsedLab } from '../support/lab-hosts.js';
import { until } from '../support/until.js';

/** AES-256-GCM with a key that lives only in this process: stands in for the OS keychain. */
function testCipher(): SecretCipher {
  const key = randomBytes(32);
  return {
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(sealed) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('secrets never reach disk or logs (lab)', () => {
  let used: UsedLab;
  let scratch: string;
  let keyPath: string;
  let installDir: string;
  const passphrase = `pp-${randomBytes(9).toString('base64url')}`;
  const cores: LabHosts[] = [];

  beforeAll(async () => {
    used = await useLab();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-secrets-'));
    installDir = path.join(used.status.dir, 'agent-install-secrets');
    keyPath = path.join(scratch, 'id_encrypted');
    fs.copyFileSync(used.status.host.keyPath, keyPath);
    fs.chmodSync(keyPath, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', passphrase, '-f', keyPath]);
  });

  afterAll(async () => {
    for (const c of cores) c.dispose();
    fs.rmSync(installDir, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
    await used.release();
  });

  /** Secret strings to look for: the password, the passphrase, and lines of both key files' bodies. */
  function needles(): string[] {
    const keyLines = [used.status.host.keyPath, keyPath].flatMap((f) =>
      fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')),
    );
    return [used.status.users.passwd.password!, passphrase, ...keyLines];
  }

  for (const mode of ['browser (nothing kept)', 'electron (keychain-sealed)'] as const) {
    it(`${mode}: sudo password + key passphrase session, reconnect, then grep data folder and logs`, async () => {
      const sealed = mode.startsWith('electron');
      const hosts = labHosts(used.status, {
        remoteAgentDir: installDir,
        backoff: { initialMs: 100, maxMs: 500 },
        ...(sealed ? { secretsIn: (dataDir: string) => new SealedFileSecretStore(path.join(dataDir, 'secrets.json'), testCipher()) } : {}),
      });
      cores.push(hosts);
      const caller = desktopRouter.createCaller({ hosts: hosts.hosts, mode: sealed ? 'electron' : 'browser', version: 'test' });
      const user = used.status.users.passwd;
      const profile = await caller.profiles.save({ name: 'pw user', alias: 'lab', user: user.name, auth: 'key', keyPath });

      await expect(caller.hosts.connect({ profileId: profile.id })).rejects.toMatchObject({ cause: { code: 'PASSPHRASE_REQUIRED' } });
      await expect(caller.hosts.connect({ profileId: profile.id, passphrase: 'wrong' })).rejects.toMatchObject({ cause: { code: 'PASSPHRASE_WRONG' } });
      await expect(caller.hosts.connect({ profileId: profile.id, passphrase })).rejects.toMatchObject({ cause: { code: 'SUDO_PASSWORD_REQUIRED' } });
      const info = await caller.hosts.connect({ profileId: profile.id, passphrase, sudoPassword: user.password!, remember: true });
      expect(info.agent.privileged).toBe(true);

      // A reconnect reuses the secrets from memory.
      const mark = hosts.states.length;
      process.kill(info.agent.pid, 'SIGKILL');
      await until(() => hosts.states.slice(mark).some((e) => e.state.status === 'connected'), 10_000, 'the reconnect');
      expect(((await caller.agent.invoke({ hostId: info.id, path: 'system.info', type: 'query' })) as { privileged: boolean }).privileged).toBe(true);
      caller.hosts.disconnect({ id: info.id });

      if (sealed) {
        // The passphrase was remembered; the sudo password never is: the next connect asks for it again.
        await expect(caller.hosts.connect({ profileId: profile.id })).rejects.toMatchObject({ cause: { code: 'SUDO_PASSWORD_REQUIRED' } });
        const again = await caller.hosts.connect({ profileId: profile.id, sudoPassword: user.password! });
        expect(again.privilege).toBe('sudo-password');
        await caller.hosts.disconnect({ id: again.id });
        expect(Object.keys(JSON.parse(fs.readFileSync(path.join(hosts.dataDir, 'secrets.json'), 'utf8')) as object)).toEqual([`${profile.id}/passphrase`]);
      } else {
        expect(fs.existsSync(path.join(hosts.dataDir, 'secrets.json'))).toBe(false);
      }

      const files = filesUnder(hosts.dataDir);
      expect(files.map((f) => path.basename(f)).sort()).toEqual(['profiles.json', ...(sealed ? ['secrets.json'] : [])].sort());
      for (const f of files) expect(fs.statSync(f).mode & 0o077, `${f} is private`).toBe(0);
      const haystacks = [...files.map((f) => ({ where: f, text: fs.readFileSync(f, 'utf8') })), { where: 'logs', text: hosts.logs.join('\n') }, { where: 'states', text: JSON.stringify(hosts.states) }];
      expect(hosts.logs.length).toBeGreaterThan(0);
      for (const { where, text } of haystacks) for (const secret of needles()) expect(text.includes(secret), `${where} contains a secret`).toBe(false);
    });
  }

  it('never sends a sudo password where sudo does not ask for one (NOPASSWD user, sudo-password mode): not to the agent, not into a log', async () => {
    const user = used.status.users.nopasswd;
    const secret = `never-sent-${randomBytes(9).toString('base64url')}`;
    const ssh = await SshSession.connect({
      host: used.status.host.address,
      username: user.name,
      privateKeyPath: used.status.host.keyPath,
      appKnownHostsPath: path.join(scratch, 'kh'),
      userKnownHostsPaths: [used.status.host.knownHostsPath],
    });
    try {
      const { launcher, verify } = await ensureAgent(ssh, findAgentBundle(path.join(repoRoot, 'dist/agent')), undefined, { installDir });
      const stderr: string[] = [];
      const logs: string[] = [];
      // As after a session that needed the password, once the host's sudoers stopped asking for it.
      const session = await openAgentSession(ssh, launcher, { privilege: 'sudo-password', sudoPassword: secret, verify, onStderr: (t) => stderr.push(t), log: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`) });
      expect(session.hello.privileged).toBe(true);
      expect(await session.client.system.ping.query()).toBe('pong');
      session.close();
      await session.closed;
      expect(stderr.join('')).not.toContain(secret);
      expect(stderr.join('')).not.toMatch(/skipped a line/);
      expect(logs.join('\n')).not.toContain(secret);
    } finally {
      ssh.close();
    }
  });
});
