/**
 * Live sock_diag: sockets opened by helper processes in a throwaway namespace (sd-<random>),
 * listed through NETLINK_SOCK_DIAG and compared with `ss -H -[ut]anpe` in that namespace (the
 * oracle): same sockets, addresses, ports, states, queues, uids, inodes and owner pids.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLibc } from '../../../agent/src/netlink/ffi/libc.js';
import { SockDiag, type SocketInfo } from '../../../agent/src/netlink/families/sockdiag/index.js';
import { parseSs, type SsSocket } from '../../support/ss.js';
import { CHILDREN, Sandbox } from './sandbox.js';

const libc = loadLibc();
const OPEN = join(CHILDREN, 'open-sockets.py');

const SOCKETS = {
  udp: [
    { family: 4, addr: '0.0.0.0', port: 5353 },
    { family: 4, addr: '127.0.0.1', port: 6000 },
    { family: 4, addr: '127.0.0.1', port: 6002, connect: ['127.0.0.1', 6000] },
    { family: 6, addr: '::', port: 6001, v6only: false },
    { family: 6, addr: '::1', port: 6003, v6only: true },
    { family: 4, addr: '0.0.0.0', port: 6004, dev: 'lo' },
    { family: 6, addr: '::1', port: 6005, v6only: true, uid: 65534 },
  ],
  tcp: [
    { family: 4, addr: '127.0.0.1', port: 7000, pair: true },
    { family: 6, addr: '::', port: 7001, listen: true, v6only: false },
  ],
  fork: true, // every socket is held by two processes, as after fork() in a daemon
};

/** normalize keeps what both sides report, keyed by inode; processes sorted as ss's order is a hash walk. */
function normalize(s: SocketInfo | SsSocket, devices: Map<number, string>): string {
  const device = 'protocol' in s ? (s.interface === undefined ? undefined : devices.get(s.interface)) : s.device;
  const processes = (s.processes ?? []).map((p) => `${p.command}/${p.pid}/${p.fd}`).sort();
  return JSON.stringify([
    s.inode, s.state, s.family, s.localAddress, s.localPort, s.remoteAddress, s.remotePort,
    s.rqueue, s.wqueue, s.uid, device ?? null, s.v6only ?? null, processes,
  ]);
}

describe('sock_diag against ss', () => {
  const sb = new Sandbox('sd');
  let diag: SockDiag;
  let pids: number[] = [];
  let devices: Map<number, string>;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('integration tests need root');
    sb.create();
    const { ready } = await sb.start(['python3', OPEN, JSON.stringify(SOCKETS)]);
    pids = ready.split(' ').map(Number);
    sb.adopt(pids);
    diag = SockDiag.open(libc, { netns: sb.name });
    const links = JSON.parse(sb.exec(['ip', '-j', 'link'])) as { ifindex: number; ifname: string }[];
    devices = new Map(links.map((l) => [l.ifindex, l.ifname]));
  });

  afterAll(() => {
    diag?.close();
    sb.destroy();
  });

  const ss = (args: string): SsSocket[] => parseSs(sb.exec(['ss', '-H', ...args.split(' ')]));
  const sorted = (xs: (SocketInfo | SsSocket)[]): string[] => xs.map((x) => normalize(x, devices)).sort();

  it('lists the UDP sockets ss -uanpe lists, with both owner processes', async () => {
    const ours = await diag.list({ protocol: 'udp', owners: true });
    expect(ours).toHaveLength(7);
    expect(sorted(ours)).toEqual(sorted(ss('-uanpe')));
    expect(ours.every((s) => s.processes?.map((p) => p.pid).sort().join() === [...pids].sort().join())).toBe(true);
    expect(ours.find((s) => s.localPort === 6005)?.uid).toBe(65534);
    expect(ours.find((s) => s.localPort === 6004)?.interface).toBe(1);
  });

  it('lists the TCP sockets ss -tanpe lists (listeners, both ends of a connection)', async () => {
    const ours = await diag.list({ protocol: 'tcp', owners: true });
    expect(ours.map((s) => s.state).sort()).toEqual(['ESTAB', 'ESTAB', 'LISTEN', 'LISTEN']);
    expect(sorted(ours)).toEqual(sorted(ss('-tanpe')));
  });

  it('filters listening sockets and ports in the kernel, as ss -l and sport = :N', async () => {
    expect(sorted(await diag.list({ protocol: 'udp', listening: true }))).toEqual(sorted(ss('-ulne')));
    expect(sorted(await diag.list({ protocol: 'tcp', listening: true }))).toEqual(sorted(ss('-tlne')));
    const port6000 = await diag.list({ protocol: 'udp', port: 6000 });
    expect(sorted(port6000)).toEqual(sorted(ss('-uane sport = :6000')));
    expect(port6000.map((s) => `${s.localAddress}:${s.localPort}`)).toEqual(['127.0.0.1:6000']);
    expect(await diag.list({ family: 6, protocol: 'udp' })).toHaveLength(3);
  });

  it('findUdpListener names who holds a port, and nothing for a free one', async () => {
    const holder = await diag.findUdpListener(5353);
    expect(holder).toMatchObject({ family: 4, address: '0.0.0.0', port: 5353, state: 'UNCONN', pid: Math.min(...pids), command: 'python3' });
    expect((await diag.findUdpListeners(6001)).map((h) => [h.address, h.socket.v6only])).toEqual([['::', false]]);
    expect(await diag.findUdpListener(51820)).toBeUndefined();
  });

  it('resolves owners while processes holding sockets come and go', async () => {
    const { ready } = await sb.start(['python3', OPEN, JSON.stringify({ udp: [{ family: 4, addr: '127.0.0.1', port: 6100 }], churn: true })]);
    const churner = Number(ready);
    sb.adopt([churner]);
    for (let i = 0; i < 20; i++) {
      const [s] = await diag.list({ protocol: 'udp', port: 6100, owners: true });
      expect(s?.processes?.map((p) => p.pid)).toContain(churner);
    }
  });
});

describe('sock_diag with 5,000 UDP sockets', () => {
  const sb = new Sandbox('sd');
  let diag: SockDiag;

  beforeAll(async () => {
    sb.create();
    const { ready } = await sb.start(['python3', OPEN, JSON.stringify({ count: 5000, countBase: 20000 })]);
    sb.adopt(ready.split(' ').map(Number));
    diag = SockDiag.open(libc, { netns: sb.name });
  });

  afterAll(() => {
    diag?.close();
    sb.destroy();
  });

  it('counts what ss counts, and every socket has its owner', async () => {
    const ssCount = sb.exec(['ss', '-H', '-uan']).split('\n').filter((l) => l.trim() !== '').length;
    const ours = await diag.list({ protocol: 'udp', owners: true });
    expect(ssCount).toBe(5000);
    expect(ours).toHaveLength(ssCount);
    expect(new Set(ours.map((s) => s.localPort)).size).toBe(5000);
    expect(ours.every((s) => s.processes?.length === 1)).toBe(true);
    const ssp = parseSs(sb.exec(['ss', '-H', '-uanp']));
    expect(new Set(ssp.map((s) => s.processes?.[0]?.pid))).toEqual(new Set(ours.map((s) => s.processes?.[0]?.pid)));
  });
});
