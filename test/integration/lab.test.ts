/**
 * Lab self-test: builds a second, small lab ('wgx' on 198.19.0.0/16, so it can run next to a
 * suite lab 'wgl' on 198.18) and checks that it works end to end and that `down` leaves the
 * machine exactly as it found it. Integration tier: needs root.
 */
import { access, readFile, readdir, stat } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, type LabStatus } from '../lab/lab.js';
import { run, type RunResult } from '../lab/sys.js';

interface Snapshot {
  namespaces: string[];
  rootLinks: string[];
  /**
   * "pid comm" of every live sshd and wireguard-go, the daemons a lab starts or tests start in
   * it. Zombies are left out: they are dead, and a non-root ssh login leaves one behind by
   * itself (its privsep child outlives the session's monitor and is reparented to pid 1),
   * which this VM's init reaps only a second or so later.
   */
  daemons: string[];
  /** Account and group names (/etc/passwd, /etc/group) and /etc/sudoers.d: the lab's users. */
  users: string[];
  groups: string[];
  sudoers: string[];
}

/** names returns the first field of every line of a colon-separated database. */
async function names(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').map((l) => l.split(':')[0] ?? '').filter(Boolean).sort();
}

/** snapshot records what a lab could leave behind in the root namespace and process table. */
async function snapshot(): Promise<Snapshot> {
  const netns = (await run(['ip', 'netns', 'list'])).stdout;
  const links = (await run(['ip', '-o', 'link'])).stdout;
  const ps = (await run(['ps', '-eo', 'pid=,stat=,comm='])).stdout;
  return {
    namespaces: netns.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean).sort(),
    // "4: eth0: <…>" and "5: wgx-root@if2: <…>": keep the name, drop the peer suffix.
    rootLinks: links.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter(Boolean).sort(),
    daemons: ps.split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, stat, comm]) => !stat?.startsWith('Z') && (comm === 'sshd' || comm === 'wireguard-go'))
      .map(([pid, , comm]) => `${pid ?? ''} ${comm ?? ''}`)
      .sort(),
    users: await names('/etc/passwd'),
    groups: await names('/etc/group'),
    sudoers: (await readdir('/etc/sudoers.d').catch(() => [])).sort(),
  };
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** sshOpts pin the lab's key and host keys and never prompt, as a desktop's SSH does. */
function sshOpts(s: LabStatus): string[] {
  return ['-i', s.host.keyPath, '-o', `UserKnownHostsFile=${s.host.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5'];
}

/** sshHost runs `command` on the lab host as `user` (root's default: no config file at all). */
function sshHost(s: LabStatus, user: string, command: string, input?: string): Promise<RunResult> {
  return run(['ssh', '-F', 'none', ...sshOpts(s), '-p', String(s.host.sshPort), `${user}@${s.host.address}`, command], { input });
}

/** exitOf resolves when the child exits, or rejects after `ms` so a hang fails the test. */
function exitOf(child: ChildProcess, ms: number): Promise<number | NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode);
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve(code ?? sig);
    });
  });
}

describe('lab (wgx, block 19, 2 peers)', () => {
  const lab = new Lab({ name: 'wgx', block: 19, peers: 2 });
  let before: Snapshot;
  let first: LabStatus;

  beforeAll(async () => {
    await lab.down(); // leftovers of an interrupted run would spoil the snapshot
    before = await snapshot();
  });

  afterAll(async () => {
    await lab.down();
  });

  it('up builds host, peer and outside namespaces and starts sshd', async () => {
    first = await lab.up();
    expect(first.up).toBe(true);
    expect(first.host).toMatchObject({ ns: 'wgx-host', address: '198.19.0.2', rootAddress: '198.19.0.1', sshPort: 22, user: 'root' });
    expect(first.host.sshdPid).toBeTypeOf('number');
    expect(first.host.hostPublicKey).toMatch(/^ssh-ed25519 \S+$/);
    expect(first.peers.map((p) => [p.ns, p.address, p.hostAddress, p.hostIf, p.peerIf])).toEqual([
      ['wgx-peer1', '198.19.1.2', '198.19.1.1', 'wgx-hp1', 'wgx-p1'],
      ['wgx-peer2', '198.19.2.2', '198.19.2.1', 'wgx-hp2', 'wgx-p2'],
    ]);
    expect(first.outside).toMatchObject({ ns: 'wgx-out', address: '198.19.100.2', hostAddress: '198.19.100.1' });
    expect(first.outside.ssh).toMatchObject({ address: '198.19.100.2', port: 22, hostKeyPath: `${first.dir}/out_ssh_host_ed25519_key` });
    expect(first.outside.ssh.sshdPid).toBeTypeOf('number');
    expect(first.outside.ssh.sshdPid).not.toBe(first.host.sshdPid);
    expect(first.outside.ssh.hostPublicKey).toMatch(/^ssh-ed25519 \S+$/);
    expect(first.outside.ssh.hostPublicKey).not.toBe(first.host.hostPublicKey);
    expect(first.outside.ssh.knownHostsLine).toBe(`198.19.100.2 ${first.outside.ssh.hostPublicKey}`);
    expect((await readFile(first.host.knownHostsPath, 'utf8')).split('\n')).toEqual([
      `198.19.0.2 ${first.host.hostPublicKey}`, first.outside.ssh.knownHostsLine, '',
    ]);
    const home = `${first.dir}/home`;
    expect(first.users).toMatchObject({
      nopasswd: { name: 'wgx-op', home: `${home}/wgx-op` },
      passwd: { name: 'wgx-pw', home: `${home}/wgx-pw` },
    });
    expect(first.users.passwd.password).toMatch(/^[\w-]{16,}$/);
    expect((await stat(`${first.dir}/sudo_password`)).mode & 0o777).toBe(0o600);
    expect(await readFile('/etc/sudoers.d/wgpilot-lab-wgx', 'utf8')).toContain('wgx-op ALL=(root) NOPASSWD: ALL\n');
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });

  it('a second up changes nothing: same status, same sshd pid', async () => {
    const again = await lab.up();
    expect(again).toEqual(first);
  });

  it('another lab on the same block, or this name on the other block, is refused naming wgx; nothing is made', async () => {
    const namespaces = async () => (await run(['ip', 'netns', 'list'])).stdout;
    const before = await namespaces();
    await expect(new Lab({ name: 'wgy', block: 19, peers: 1 }).up()).rejects.toThrow(/address block 198\.19\.0\.0\/16 is in use by lab 'wgx' .*npm run lab -- down --name wgx/);
    await expect(new Lab({ name: 'wgx', block: 18, peers: 1 }).up()).rejects.toThrow(/lab 'wgx' is already up on 198\.19\.0\.0\/16/);
    expect(await namespaces()).toEqual(before);
    expect(await lab.status()).toEqual(first);
  });

  it('ssh logs in as root with the lab key and the pinned host key', async () => {
    const { host } = first;
    const { stdout } = await run(['ssh', '-F', 'none', '-i', host.keyPath,
      '-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5',
      '-p', String(host.sshPort), `${host.user}@${host.address}`, 'id -u && ip -br link show wgx-h0']);
    expect(stdout).toMatch(/^0\nwgx-h0@/);
  });

  it('the outside sshd is reachable only through the host, as a ProxyJump target', async () => {
    const out = first.outside.ssh;
    // The root namespace knows 198.19.0.0/30 only: no route to the outside network through the lab.
    // (No TCP probe: this machine's default route leads to a network that accepts any TCP connect.)
    expect((await run(['ip', '-o', 'route', 'show', 'to', 'match', out.address])).stdout).not.toContain('wgx-');
    expect((await run(['ip', '-o', 'route', 'get', out.address])).stdout).not.toContain('wgx-');
    // -J starts a second ssh that gets only -F from this one, so the hop comes from the config.
    const { stdout } = await run(['ssh', '-F', first.host.sshConfigPath, ...sshOpts(first), '-o', 'ProxyJump=lab',
      '-p', String(out.port), `root@${out.address}`, 'id -u && ip -br link show wgx-o0']);
    expect(stdout).toMatch(/^0\nwgx-o0@/);
    const alias = await run(['ssh', '-F', first.host.sshConfigPath, '-o', 'BatchMode=yes', '-l', 'wgx-op', 'lab-out', 'id -un']);
    expect(alias.stdout).toBe('wgx-op\n');
  });

  it('wgx-op runs sudo without a password; wgx-pw needs its password', async () => {
    const op = await sshHost(first, 'wgx-op', 'id -un && sudo -n id -u');
    expect(op.stdout).toBe('wgx-op\n0\n');
    await expect(sshHost(first, 'wgx-pw', 'sudo -n true')).rejects.toThrow(/a password is required/);
    const { password } = first.users.passwd;
    if (password === null) throw new Error('lab has no sudo password');
    const pw = await sshHost(first, 'wgx-pw', 'id -un && sudo -S -p "" id -u', `${password}\n`);
    expect(pw.stdout).toBe('wgx-pw\n0\n');
    await expect(sshHost(first, 'wgx-pw', 'sudo -S -p "" true', 'wrong\n')).rejects.toThrow(/incorrect password|try again/i);
  });

  it('a peer reaches the host over its veth, and the outside through host forwarding', async () => {
    const [peer1] = first.peers;
    if (!peer1) throw new Error('lab has no peer1');
    await lab.exec(peer1.ns, ['ping', '-c', '1', '-W', '2', peer1.hostAddress]);
    await lab.exec(peer1.ns, ['ping', '-c', '1', '-W', '2', first.host.address]);
    await lab.exec(peer1.ns, ['ping', '-c', '1', '-W', '2', first.outside.address]);
  });

  it('down stops processes started in the lab and leaves the machine as it was', async () => {
    const [peer1] = first.peers;
    if (!peer1) throw new Error('lab has no peer1');
    const wg = lab.spawnIn(peer1.ns, ['wireguard-go', '-f', 'wgx-c1'], { stdio: 'ignore' });
    const socket = '/var/run/wireguard/wgx-c1.sock';
    for (let i = 0; i < 100 && !(await exists(socket)); i++) await sleep(50);
    expect(await exists(socket)).toBe(true);
    const exited = exitOf(wg, 5_000);

    await lab.down();

    await exited;
    expect(await exists(socket)).toBe(false);
    const after = await snapshot();
    expect(after.users).not.toContain('wgx-op');
    expect(after.users).not.toContain('wgx-pw');
    expect(after.sudoers).not.toContain('wgpilot-lab-wgx');
    expect(await exists(first.dir)).toBe(false);
    expect((await lab.status()).up).toBe(false);
    expect(await snapshot()).toEqual(before);
  });
});
