/**
 * Live connection behaviour: sockets stay in the namespace they were created in while the
 * process stays in its own; strict dump validation errors arrive typed; many concurrent
 * requests and a dump share one socket and are routed by sequence number.
 */
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NetlinkConnection } from '../../../agent/src/netlink/conn/connection.js';
import { NetlinkError } from '../../../agent/src/netlink/conn/errors.js';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { SyscallError } from '../../../agent/src/netlink/ffi/errors.js';
import { encodeRtmsg } from '../../../agent/src/netlink/wire/family_headers.js';
import { NETLINK_ROUTE } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { RTM_GETROUTE } from '../../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { useLiveContext } from './netns.js';

const ctx = useLiveContext();

describe('namespaces', () => {
  const a = ctx.netns();
  const b = ctx.netns();

  it('opens sockets in other namespaces without moving the process', async () => {
    const before = readlinkSync('/proc/thread-self/ns/net');
    const nlA = ctx.connect(a);
    const nlB = ctx.connect(b);
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
    await route.createIfb(nlA, 'nltonly0');
    expect(a.json<{ ifname: string }[]>(['link', 'show']).map((l) => l.ifname)).toContain('nltonly0');
    expect((await route.listLinks(nlB)).map((l) => l.name)).toEqual(['lo']);
    // a socket opened later without netns is in the process's own namespace
    const here = NetlinkConnection.open(ctx.libc, NETLINK_ROUTE);
    try {
      expect((await route.listLinks(here)).map((l) => l.name)).not.toContain('nltonly0');
    } finally {
      here.close();
    }
  });

  it('a missing namespace is a typed SyscallError ENOENT', () => {
    const err = (() => {
      try {
        NetlinkConnection.open(ctx.libc, NETLINK_ROUTE, { netns: 'nlt-does-not-exist' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SyscallError);
    expect(err).toMatchObject({ syscall: 'open', code: 'ENOENT' });
  });
});

describe('one socket, many exchanges', () => {
  const ns = ctx.netns();
  const nl = ctx.connect(ns);

  it('rejects an invalid strict dump request with the kernel text', async () => {
    const data = encodeRtmsg({ family: 2, dstLength: 24 });
    const err = await nl.dump({ type: RTM_GETROUTE, flags: 0, data }, () => 1, { op: 'RTM_GETROUTE' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'EINVAL', message: 'Invalid values in header for FIB dump request' });
  });

  it('routes 200 concurrent requests and dumps on one socket', async () => {
    await route.createIfb(nl, 'nltcc0');
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      ops.push(route.getLink(nl, 'nltcc0'));
      ops.push(route.getLink(nl, 'nosuch0').catch((e: unknown) => e));
      ops.push(route.listLinks(nl));
      ops.push(route.addRoute(nl, { dst: `198.18.${i}.0/24`, type: 'blackhole', table: 77 }));
    }
    const results = await Promise.all(ops);
    for (let i = 0; i < 50; i++) {
      expect(results[i * 4]).toMatchObject({ name: 'nltcc0' });
      expect(results[i * 4 + 1]).toMatchObject({ code: 'ENODEV' });
      expect((results[i * 4 + 2] as route.Link[]).map((l) => l.name)).toEqual(['lo', 'nltcc0']);
    }
    expect(await route.listRoutes(nl, { table: 77 })).toHaveLength(50);
  });
});
