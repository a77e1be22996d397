/**
 * rtnetlink benchmarks (issue: netlink layer): link dump with statistics over 500 links, route
 * dump of 100,000 routes in one table, and external-change → event-callback latency. Each runs
 * in a throwaway namespace; the C tool runs on the same data in the same run.
 */
import { spawn } from 'node:child_process';
import { NetlinkConnection } from '../../agent/src/netlink/conn/connection.js';
import { loadLibc } from '../../agent/src/netlink/ffi/libc.js';
import { RouteEventSubscription } from '../../agent/src/netlink/families/route/events.js';
import { listLinks, listRoutes } from '../../agent/src/netlink/families/route/index.js';
import { NETLINK_ROUTE } from '../../agent/src/netlink/wire/uapi/netlink.js';
import { RTNLGRP_LINK } from '../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { BenchNetns, median, percentile } from './netns.js';
import type { BenchResult } from './run.js';

const RUNS = 15;

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function oursVsC(ours: () => Promise<unknown>, c: () => number): Promise<{ ours: number; c: number }> {
  await ours(); // warm-up: JIT and first-dump allocations
  c();
  const o: number[] = [];
  const k: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    o.push(await timeAsync(ours));
    k.push(c());
  }
  return { ours: median(o), c: median(k) };
}

async function linkDump(libc: ReturnType<typeof loadLibc>): Promise<BenchResult> {
  const ns = new BenchNetns();
  try {
    ns.ipBatch(Array.from({ length: 250 }, (_, i) => `link add bv${i}a type veth peer name bv${i}b`));
    const nl = NetlinkConnection.open(libc, NETLINK_ROUTE, { netns: ns.name });
    try {
      const count = (await listLinks(nl)).length;
      const r = await oursVsC(() => listLinks(nl), () => ns.time(['ip', '-n', ns.name, '-s', 'link', 'show']));
      return { name: `link dump with 64-bit stats, ${count} links`, ours: r.ours, cTool: r.c, target: 1.0, note: 'in-process vs `ip -s link` whole process' };
    } finally {
      nl.close();
    }
  } finally {
    ns.destroy();
  }
}

async function routeDump(libc: ReturnType<typeof loadLibc>): Promise<BenchResult> {
  const ns = new BenchNetns();
  try {
    ns.ipBatch(['link add bdum0 type ifb', 'link set bdum0 up']);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev bdum0 table 1000`);
    ns.ipBatch(lines);
    const nl = NetlinkConnection.open(libc, NETLINK_ROUTE, { netns: ns.name });
    try {
      const count = (await listRoutes(nl, { table: 1000 })).length;
      const r = await oursVsC(() => listRoutes(nl, { table: 1000 }), () => ns.time(['ip', '-n', ns.name, 'route', 'show', 'table', '1000']));
      return { name: `route dump, ${count} routes in table 1000`, ours: r.ours, cTool: r.c, target: 1.0, note: 'decoded objects vs `ip route show table 1000` to /dev/null' };
    } finally {
      nl.close();
    }
  } finally {
    ns.destroy();
  }
}

async function eventLatency(libc: ReturnType<typeof loadLibc>): Promise<BenchResult[]> {
  const ns = new BenchNetns();
  const sub = RouteEventSubscription.open(libc, [RTNLGRP_LINK], { netns: ns.name });
  const ip = spawn('ip', ['-n', ns.name, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
  try {
    ns.ipBatch(['link add bev0 type ifb']);
    let resolveNext: ((at: number) => void) | null = null;
    let want = false;
    sub.on('event', (e) => {
      if (e.kind === 'link' && e.link.name === 'bev0' && e.link.up === want) resolveNext?.(performance.now());
    });
    const latencies: number[] = [];
    for (let i = 0; i < 400; i++) {
      want = i % 2 === 0;
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('event did not arrive within 2 s')), 2000);
        resolveNext = (at) => {
          clearTimeout(timer);
          resolveNext = null;
          resolve(at);
        };
      });
      const t0 = performance.now();
      ip.stdin.write(`link set bev0 ${want ? 'up' : 'down'}\n`);
      latencies.push((await arrived) - t0);
      await new Promise((r) => setTimeout(r, 2));
    }
    const note = '400 `ip link set bev0 up|down` from an external ip -batch process → JS callback';
    return [
      { name: 'event latency, external ip link set → callback, p50', ours: percentile(latencies, 50), limit: 5, note },
      { name: 'event latency, external ip link set → callback, p99', ours: percentile(latencies, 99), limit: 20 },
    ];
  } finally {
    ip.stdin.end();
    ip.kill();
    sub.close();
    ns.destroy();
  }
}

export async function run(): Promise<BenchResult[]> {
  const libc = loadLibc();
  return [await linkDump(libc), await routeDump(libc), ...(await eventLatency(libc))];
}
