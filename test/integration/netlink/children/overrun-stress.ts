/**
 * Overrun stress (manual; not run by vitest): a subscription with a tiny receive buffer is
 * flooded with link events while the event loop is blocked, beside 8 idle subscriptions and a
 * request connection running a dump, then must deliver a link change made after the overrun.
 * On a miss it prints the socket's /proc/net/netlink line and a trace of readiness callbacks,
 * watch start/stop and recv results.
 *
 *   ip netns add nlstress && node --import tsx test/integration/netlink/children/overrun-stress.ts nlstress 200; ip netns del nlstress
 *
 * Before the overrun was reported only after the queue had been read empty, ~10% of rounds
 * missed the change: the kernel dropped it (socket still NETLINK_S_CONGESTED, Drops counted,
 * Rmem 0, watch armed; a later change was delivered again).
 */
import { execFileSync } from 'node:child_process';
import { NetlinkConnection } from '../../../../agent/src/netlink/conn/connection.js';
import { type RouteEvent, RouteEventSubscription } from '../../../../agent/src/netlink/families/route/events.js';
import * as route from '../../../../agent/src/netlink/families/route/index.js';
import { type Libc, loadLibc } from '../../../../agent/src/netlink/ffi/libc.js';
import { NETLINK_ROUTE } from '../../../../agent/src/netlink/wire/uapi/netlink.js';
import { RTNLGRP_LINK } from '../../../../agent/src/netlink/wire/uapi/rtnetlink.js';

const ns = process.argv[2];
const rounds = Number(process.argv[3] ?? 50);
if (!ns) throw new Error('usage: overrun-stress.ts <netns> [rounds]');

const base = loadLibc();
const trace: string[] = [];
const t0 = performance.now();
const note = (s: string): void => {
  trace.push(`${(performance.now() - t0).toFixed(2)} ${s}`);
};
let traced = -1;
let lastFd = -1;
const libc: Libc = {
  ...base,
  socket: (d, t, p) => (lastFd = base.socket(d, t, p)),
  recv(fd, b, n, f) {
    const r = base.recv(fd, b, n, f);
    if (fd === traced) note(`recv flags=${f} -> ${r}${r < 0 ? ` errno ${base.errno()}` : ''}`);
    return r;
  },
  watchReadable(fd, onReady) {
    const w = base.watchReadable(fd, (status) => {
      if (fd === traced) note(`readiness status=${status}`);
      onReady(status);
    });
    return {
      start: () => {
        if (fd === traced) note('watch start');
        w.start();
      },
      stop: () => {
        if (fd === traced) note('watch stop');
        w.stop();
      },
      close: () => w.close(),
    };
  },
};

function waitFor(sub: RouteEventSubscription, pick: (e: RouteEvent) => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const on = (e: RouteEvent): void => {
      if (!pick(e)) return;
      clearTimeout(timer);
      sub.off('event', on);
      resolve(true);
    };
    const timer = setTimeout(() => {
      sub.off('event', on);
      resolve(false);
    }, ms);
    sub.on('event', on);
  });
}

const ipBatch = (lines: string[]): void => {
  execFileSync('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
};
const busy = (ms: number): void => {
  for (const end = performance.now() + ms; performance.now() < end; );
};

const nl = NetlinkConnection.open(libc, NETLINK_ROUTE, { netns: ns });
const idle = Array.from({ length: 8 }, () => RouteEventSubscription.open(libc, [RTNLGRP_LINK], { netns: ns }));
let misses = 0;
for (let r = 0; r < rounds; r++) {
  const sub = RouteEventSubscription.open(libc, [RTNLGRP_LINK], { netns: ns, receiveBufferSize: 1 });
  traced = lastFd;
  trace.length = 0;
  let overruns = 0;
  sub.on('overrun', () => {
    overruns++;
    note('overrun');
  });
  const dumping = route.listLinks(nl);
  ipBatch(Array.from({ length: 50 }, (_, i) => `link add nlst${i} type ifb`));
  busy(Math.random() * 5);
  const up = waitFor(sub, (e) => e.kind === 'link' && e.link.name === 'nlst7' && e.link.up, 3000);
  await new Promise((res) => setTimeout(res, Math.random() * 50));
  await dumping;
  note('ip link set nlst7 up');
  execFileSync('ip', ['-n', ns, 'link', 'set', 'nlst7', 'up']);
  const ok = await up;
  if (!ok || overruns === 0) {
    misses++;
    const port = ` ${(sub as unknown as { subscription: { connection: NetlinkConnection } }).subscription.connection.portId} `;
    const proc = execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netlink'], { encoding: 'utf8' });
    console.log(`round ${r}: delivered=${ok} overruns=${overruns}`);
    console.log(proc.split('\n').find((l) => l.includes(port)));
    console.log(trace.join('\n'));
    const probe = waitFor(sub, (e) => e.kind === 'link' && e.link.name === 'nlst7' && !e.link.up, 2000);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'nlst7', 'down']);
    console.log(`a later change is delivered: ${await probe}`);
  }
  sub.close();
  ipBatch(Array.from({ length: 50 }, (_, i) => `link del nlst${i}`));
}
for (const s of idle) s.close();
nl.close();
console.log(`misses ${misses}/${rounds}`);
