/**
 * Connecting hosts through the desktop core (HostManager) and its router, against the lab's real
 * OpenSSH: root, a NOPASSWD sudo user and a sudo-with-password user; key-file and ssh-agent
 * auth; ProxyJump through the host to the outside sshd by ssh-config alias and by profile; state
 * events; the agent proxy (agent.invoke / agent.subscribe); several hosts at once.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopRouter } from '../../src-main/core/router.js';
import { labHosts, useLab, type LabHosts, type UsedLab } from '../support/lab-hosts.js';
import { until } from '../support/until.js';

const fingerprintOf = (pubFile: string) => execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1];

describe('host connections (lab)', () => {
  let used: UsedLab;
  const cores: LabHosts[] = [];
  let scratch: string;

  beforeAll(async () => {
    used = await useLab();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-connect-'));
  });

  afterAll(async () => {
    for (const c of cores) c.dispose();
    const { dir } = used.status;
    fs.rmSync(path.join(dir, 'agent-install-desktop'), { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
    await used.release();
  });

  function core(opts: Parameters<typeof labHosts>[1] = {}): LabHosts {
    const c = labHosts(used.status, opts);
    cores.push(c);
    return c;
  }

  it('connects as root by alias; the agent runs privileged without sudo; state goes connecting → deploying → connected', async () => {
    const c = core();
    const info = await c.hosts.connect({ alias: 'lab' });
    expect(info).toMatchObject({ host: used.status.host.address, username: 'root', privilege: 'root', agent: { user: 'root', uid: 0, privileged: true } });
    expect(await c.hosts.agent(info.id)!.system.info.query()).toMatchObject({ privileged: true, user: 'root' });
    const seen = c.states.filter((e) => e.hostId === info.id).map((e) => e.state.status);
    expect(seen[0]).toBe('connecting');
    expect(seen).toContain('deploying');
    expect(seen.at(-1)).toBe('connected');
  });

  it('runs the agent through sudo -n for a NOPASSWD user', async () => {
    const c = core();
    const info = await c.hosts.connect({ alias: 'lab', user: used.status.users.nopasswd.name });
    expect(info.privilege).toBe('sudo');
    expect(await c.hosts.agent(info.id)!.system.info.query()).toMatchObject({ privileged: true, user: used.status.users.nopasswd.name });
  });

  it('asks for the sudo password (SUDO_PASSWORD_REQUIRED), refuses a wrong one, and connects privileged with the right one', async () => {
    const c = core();
    const caller = desktopRouter.createCaller({ hosts: c.hosts, mode: 'browser', version: 'test' });
    const user = used.status.users.passwd;
    const req = { alias: 'lab', username: user.name };
    await expect(caller.hosts.connect(req)).rejects.toMatchObject({ code: 'UNAUTHORIZED', cause: { code: 'SUDO_PASSWORD_REQUIRED' } });
    await expect(caller.hosts.connect({ ...req, sudoPassword: 'not-the-password' })).rejects.toMatchObject({ cause: { code: 'SUDO_PASSWORD_WRONG' } });
    const info = await caller.hosts.connect({ ...req, sudoPassword: user.password! });
    expect(info.privilege).toBe('sudo-password');
    const sys = (await caller.agent.invoke({ hostId: info.id, path: 'system.info', type: 'query' })) as { privileged: boolean; user: string };
    expect(sys).toMatchObject({ privileged: true, user: user.name });
  });

  it('authenticates with a key file given in the form (no alias)', async () => {
    const c = core();
    const info = await c.hosts.connect({ host: used.status.host.address, user: 'root', auth: 'key', keyPath: used.status.host.keyPath });
    expect(info.agent.privileged).toBe(true);
  });

  it('authenticates through an ssh-agent holding the lab key', async () => {
    const sock = path.join(scratch, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await until(() => fs.existsSync(sock), 5_000, 'ssh-agent socket');
      execFileSync('ssh-add', [used.status.host.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const c = core({ agentSocket: sock });
      const info = await c.hosts.connect({ host: used.status.host.address, user: 'root', auth: 'agent' });
      expect(await c.hosts.agent(info.id)!.system.ping.query()).toBe('pong');
      c.hosts.disconnect(info.id);
    } finally {
      agent.kill();
    }
  });

  it('jumps through the host to the outside sshd (ProxyJump by alias), checking both host keys', async () => {
    const c = core();
    const info = await c.hosts.connect({ alias: 'lab-out' });
    expect(info.host).toBe(used.status.outside.ssh.address);
    expect(info.hostKey.fingerprint).toBe(fingerprintOf(`${used.status.outside.ssh.hostKeyPath}.pub`));
    expect(info.jumpHostKeys.map((k) => k.fingerprint)).toEqual([fingerprintOf(`${used.status.host.hostKeyPath}.pub`)]);
    expect(await c.hosts.agent(info.id)!.system.ping.query()).toBe('pong');
  });

  it('keeps profiles in profiles.json (0600) without secrets, connects by profile with a jump host, and holds several hosts at once', async () => {
    const c = core();
    const caller = desktopRouter.createCaller({ hosts: c.hosts, mode: 'browser', version: 'test' });
    const host = await caller.profiles.save({ name: 'lab host', host: used.status.host.address, user: 'root', auth: 'key', keyPath: used.status.host.keyPath });
    const out = await caller.profiles.save({
      name: 'outside',
      host: used.status.outside.ssh.address,
      user: 'root',
      auth: 'key',
      keyPath: used.status.host.keyPath,
      jump: `root@${used.status.host.address}`,
      // A secret handed to save is dropped by the schema, never written.
      ...({ password: 'must-not-be-stored' } as object),
    });
    const file = path.join(c.dataDir, 'profiles.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('must-not-be-stored');
    expect((await caller.profiles.list()).map((p) => p.name).sort()).toEqual(['lab host', 'outside']);
    expect(await caller.hosts.aliases()).toEqual(['lab', 'lab-out']);

    const [a, b] = await Promise.all([caller.hosts.connect({ profileId: host.id }), caller.hosts.connect({ profileId: out.id })]);
    expect((await caller.hosts.list()).map((h) => h.id).sort()).toEqual([a.id, b.id].sort());
    expect(b).toMatchObject({ host: used.status.outside.ssh.address, label: 'outside', profileId: out.id });
    expect(b.agent.pid).not.toBe(a.agent.pid);

    // The agent proxy: a live subscription through the desktop router, on each host.
    for (const h of [a, b]) {
      const ticks: number[] = [];
      const iter = await caller.agent.subscribe({ hostId: h.id, path: 'system.clock', input: { intervalMs: 20, count: 3 } });
      for await (const tick of iter) ticks.push((tick as { seq: number }).seq);
      expect(ticks).toEqual([1, 2, 3]);
    }
    await expect(caller.agent.invoke({ hostId: a.id, path: 'system.nope', type: 'query' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.agent.invoke({ hostId: 'no-such-host', path: 'system.info', type: 'query' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await caller.profiles.remove({ id: out.id });
    expect((await caller.profiles.list()).map((p) => p.id)).toEqual([host.id]);
  });
});
