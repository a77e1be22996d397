/**
 * SockDiag over a fake kernel (RecordingRequester) and owner resolution over a fake /proc:
 * which dumps a filter asks for, how findUdpListener ranks holders, and how the /proc scan
 * survives processes that vanish or refuse to be read.
 */
import { describe, expect, it } from 'vitest';
import {
  ALL_STATES,
  LISTENING_STATES,
  OwnerScanError,
  SockDiag,
  decodeInetDiagRequest,
  encodeInetDiagMessage,
  findSocketOwners,
  type ProcFs,
  type SocketInfo,
} from '../../../agent/src/netlink/families/sockdiag/index.js';
import { SOCK_DIAG_BY_FAMILY } from '../../../agent/src/netlink/families/sockdiag/uapi.js';
import type { NetlinkMessage } from '../../../agent/src/netlink/wire/index.js';
import { RecordingRequester } from './fake.js';

function reply(s: SocketInfo): NetlinkMessage {
  const data = encodeInetDiagMessage(s);
  return { header: { length: 16 + data.length, type: SOCK_DIAG_BY_FAMILY, flags: 2, seq: 1, pid: 1 }, data };
}

const base: Omit<SocketInfo, 'localPort' | 'state' | 'inode'> = {
  protocol: 'udp', family: 4, localAddress: '0.0.0.0', remoteAddress: '0.0.0.0', remotePort: 0, uid: 0, rqueue: 0, wqueue: 0,
};

/** errno builds an fs error as node:fs throws it. */
function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/** fakeProc serves a /proc made of pids → { comm, fds: fd → link } and injected failures. */
function fakeProc(procs: Record<number, { comm?: string; fds: Record<number, string> | string }>): ProcFs {
  return {
    readdirSync(path) {
      if (path === '/proc') return ['self', ...Object.keys(procs), 'sys'];
      const pid = Number(path.split('/')[2]);
      const p = procs[pid];
      if (!p) throw errno('ENOENT');
      if (typeof p.fds === 'string') throw errno(p.fds);
      return Object.keys(p.fds);
    },
    readlinkSync(path) {
      const [, , pid, , fd] = path.split('/');
      const link = (procs[Number(pid)]?.fds as Record<number, string> | undefined)?.[Number(fd)];
      if (link === undefined) throw errno('ENOENT');
      if (link.startsWith('!')) throw errno(link.slice(1));
      return link;
    },
    readFileSync(path) {
      const comm = procs[Number(path.split('/')[2])]?.comm;
      if (comm === undefined) throw errno('ESRCH');
      return `${comm}\n`;
    },
  };
}

describe('SockDiag.list', () => {
  it('asks one dump per protocol and family, all states, in ss order', async () => {
    const k = new RecordingRequester();
    await new SockDiag(k).list();
    expect(k.requests.map((r) => [r.kind, r.msg.type, r.op])).toEqual([
      ['dump', SOCK_DIAG_BY_FAMILY, 'sock_diag udp4'],
      ['dump', SOCK_DIAG_BY_FAMILY, 'sock_diag udp6'],
      ['dump', SOCK_DIAG_BY_FAMILY, 'sock_diag tcp4'],
      ['dump', SOCK_DIAG_BY_FAMILY, 'sock_diag tcp6'],
    ]);
    expect(k.requests.every((r) => decodeInetDiagRequest(Buffer.from(r.msg.data ?? [])).states === ALL_STATES)).toBe(true);
  });

  it('puts listening and port filters into the kernel request', async () => {
    const k = new RecordingRequester();
    await new SockDiag(k).list({ protocol: 'tcp', family: 6, listening: true, port: 443 });
    expect(k.requests).toHaveLength(1);
    expect(decodeInetDiagRequest(Buffer.from(k.last.data ?? []))).toEqual({
      family: 6, protocol: 'tcp', ext: 0, states: LISTENING_STATES, localPort: 443,
    });
  });

  it('decodes replies with the protocol of the dump that returned them', async () => {
    const k = new RecordingRequester();
    k.dumpReplies = [reply({ ...base, localPort: 53, state: 'UNCONN', inode: 9 })];
    const got = await new SockDiag(k).list({ family: 4 });
    expect(got.map((s) => `${s.protocol}:${s.localPort}`)).toEqual(['udp:53', 'tcp:53']);
  });
});

describe('SockDiag.findUdpListener', () => {
  it('prefers the unconnected socket and names its process', async () => {
    const k = new RecordingRequester();
    k.dumpReplies = [
      reply({ ...base, localPort: 51820, state: 'ESTAB', remoteAddress: '10.0.0.2', remotePort: 9, inode: 11 }),
      reply({ ...base, localPort: 51820, state: 'UNCONN', inode: 12 }),
    ];
    const proc = fakeProc({ 700: { comm: 'wireguard-go', fds: { 3: 'socket:[12]', 4: 'socket:[11]', 5: '/dev/null' } } });
    const holder = await new SockDiag(k, { fs: proc }).findUdpListener(51820);
    expect(holder).toMatchObject({ family: 4, address: '0.0.0.0', port: 51820, state: 'UNCONN', pid: 700, command: 'wireguard-go' });
    expect(holder?.socket.processes).toEqual([{ pid: 700, command: 'wireguard-go', fd: 3 }]);
    expect(decodeInetDiagRequest(Buffer.from(k.last.data ?? [])).localPort).toBe(51820);
  });

  it('returns undefined for a free port', async () => {
    expect(await new SockDiag(new RecordingRequester(), { fs: fakeProc({}) }).findUdpListener(1)).toBeUndefined();
  });
});

describe('findSocketOwners', () => {
  it('maps inodes to every holder, sorted, and ignores other links', async () => {
    const proc = fakeProc({
      20: { comm: 'b', fds: { 7: 'socket:[5]' } },
      10: { comm: 'a', fds: { 4: 'socket:[5]', 3: 'socket:[5]', 9: 'pipe:[5]', 8: 'socket:[6]' } },
    });
    const owners = await findSocketOwners([5, 0], { fs: proc });
    expect([...owners]).toEqual([[5, [{ pid: 10, command: 'a', fd: 3 }, { pid: 10, command: 'a', fd: 4 }, { pid: 20, command: 'b', fd: 7 }]]]);
  });

  it('skips processes that vanish or cannot be read (ENOENT, ESRCH, EACCES, EPERM)', async () => {
    const proc = fakeProc({
      1: { comm: 'init', fds: 'EACCES' },
      2: { comm: 'gone', fds: 'ENOENT' },
      3: { comm: 'half', fds: { 1: '!EACCES', 2: '!ENOENT', 3: 'socket:[42]' } },
      4: { fds: { 1: 'socket:[42]' } }, // exits before comm is read
      5: { comm: 'p', fds: 'EPERM' },
    });
    const owners = await findSocketOwners([42], { fs: proc });
    expect(owners.get(42)).toEqual([{ pid: 3, command: 'half', fd: 3 }]);
  });

  it('raises OwnerScanError with the path for anything else', async () => {
    const proc = fakeProc({ 1: { comm: 'x', fds: 'EIO' } });
    await expect(findSocketOwners([1], { fs: proc })).rejects.toThrow(OwnerScanError);
    await expect(findSocketOwners([1], { fs: proc })).rejects.toThrow('/proc/1/fd');
  });

  it('does not touch /proc when no inode is wanted', async () => {
    const proc = fakeProc({});
    proc.readdirSync = () => {
      throw new Error('should not be called');
    };
    expect((await findSocketOwners([0], { fs: proc })).size).toBe(0);
  });
});
