/**
 * Lab self-test: builds a second, small lab ('wgx' on 198.19.0.0/16, so it can run next to a
 * suite lab 'wgl' on 198.18) and checks that it works end to end and that `down` leaves the
 * machine exactly as it found it. Integration tier: needs root.
 */
import { access } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, type LabStatus } from '../lab/lab.js';
import { run } from '../lab/sys.js';

interface Snapshot {
  namespaces: string[];
  rootLinks: string[];
  /** "pid comm" of every sshd and wireguard-go, the daemons a lab starts or tests start in it. */
  daemons: string[];
}

/** snapshot records what a lab could leave behind in the root namespace and process table. */
async function snapshot(): Promise<Snapshot> {
  const netns = (await run(['ip', 'netns', 'list'])).stdout;
  const links = (await run(['ip', '-o', 'link'])).stdout;
  const ps = (await run(['ps', '-eo', 'pid=,comm=,args='])).stdout;
  return {
    namespaces: netns.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean).sort(),
    // "4: eth0: <…>" and "5: wgx-root@if2: <…>": keep the name, drop the peer suffix.
    rootLinks: links.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter(Boolean).sort(),
    daemons: ps.split('\n')
      .map((l) => l.trim().split(/\s+/).slice(0, 2))
      .filter(([, comm]) => comm === 'sshd' || comm === 'wireguard-go')
      .map((f) => f.join(' '))
      .sort(),
  };
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

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
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });

  it('a second up changes nothing: same status, same sshd pid', async () => {
    const again = await lab.up();
    expect(again).toEqual(first);
  });

  it('ssh logs in as root with the lab key and the pinned host key', async () => {
    const { host } = first;
    const { stdout } = await run(['ssh', '-F', 'none', '-i', host.keyPath,
      '-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5',
      '-p', String(host.sshPort), `${host.user}@${host.address}`, 'id -u && ip -br link show wgx-h0']);
    expect(stdout).toMatch(/^0\nwgx-h0@/);
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
    expect(await exists(first.dir)).toBe(false);
    expect((await lab.status()).up).toBe(false);
    expect(await snapshot()).toEqual(before);
  });
});
