/**
 * Live event tests: external `ip` changes reach the JS callback quickly; an overrun (ENOBUFS)
 * is reported and survived; a child process exits promptly once its subscription is closed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type RouteEvent, RouteEventSubscription } from '../../../agent/src/netlink/families/route/events.js';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import {
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV4_ROUTE,
  RTNLGRP_IPV4_RULE,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_ROUTE,
  RTNLGRP_IPV6_RULE,
  RTNLGRP_LINK,
} from '../../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { useLiveContext } from './netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const ctx = useLiveContext();
const now = (): number => performance.timeOrigin + performance.now();

function waitFor<T>(sub: RouteEventSubscription, pick: (e: RouteEvent) => T | undefined, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
    const on = (e: RouteEvent): void => {
      const v = pick(e);
      if (v === undefined) return;
      clearTimeout(timer);
      sub.off('event', on);
      resolve(v);
    };
    sub.on('event', on);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

describe('link events', () => {
  const ns = ctx.netns();
  const nl = ctx.connect(ns);

  it('delivers every external `ip link set X down/up` to the callback', async () => {
    await route.createIfb(nl, 'nltev0');
    const sub = RouteEventSubscription.open(ctx.libc, [RTNLGRP_LINK], { netns: ns.name });
    ctx.onCleanup(() => sub.close());
    const seen: { at: number; up: boolean }[] = [];
    sub.on('event', (e) => {
      if (e.kind === 'link' && e.link.name === 'nltev0') seen.push({ at: now(), up: e.link.up });
    });
    // One long-lived external `ip -batch -` process applies each command as soon as it reads
    // the line, so the measurement is kernel notification → JS callback plus one pipe wake-up,
    // not fork/exec of a new `ip` per sample.
    const ip = spawn('ip', ['-n', ns.name, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    ctx.onCleanup(() => ip.kill());
    const rounds = 50;
    const latencies: number[] = [];
    for (let i = 0; i < rounds * 2; i++) {
      const up = i % 2 === 0;
      const next = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event for link ${up ? 'up' : 'down'}`)), 2000);
        const poll = setInterval(() => {
          const ev = seen.find((e) => e.up === up && e.at >= startedAt);
          if (ev) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(ev.at - startedAt);
          }
        }, 1);
      });
      const startedAt = now();
      ip.stdin.write(`link set nltev0 ${up ? 'up' : 'down'}\n`);
      latencies.push(await next);
      seen.length = 0;
      await new Promise((r) => setTimeout(r, 10));
    }
    ip.stdin.end();
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`event latency over ${latencies.length} external ip link set up/down: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${latencies.at(-1)?.toFixed(2)} ms`);
    // The latency targets (p50 < 5 ms, p99 < 20 ms) are checked by `npm run bench`, not here:
    // speed is measured by benchmarks, never asserted by timed tests.
    expect(latencies).toHaveLength(rounds * 2);
  });

  it('delivers a plain `ip -n <ns> link set X down` run as a child process', async () => {
    const sub = RouteEventSubscription.open(ctx.libc, [RTNLGRP_LINK], { netns: ns.name });
    ctx.onCleanup(() => sub.close());
    await route.setLinkUp(nl, 'nltev0');
    const down = waitFor(sub, (e) => (e.kind === 'link' && e.link.name === 'nltev0' && !e.link.up ? now() : undefined));
    const started = now();
    spawn('ip', ['-n', ns.name, 'link', 'set', 'nltev0', 'down'], { stdio: 'ignore' });
    const at = await down;
    console.log(`spawned ip link set down → callback: ${(at - started).toFixed(1)} ms (includes fork/exec of ip)`);
    expect(at - started).toBeLessThan(1000);
  });

  it('holds no libuv pool thread: 8 idle subscriptions leave fs work unblocked', async () => {
    const subs = Array.from({ length: 8 }, () => RouteEventSubscription.open(ctx.libc, [RTNLGRP_LINK], { netns: ns.name }));
    ctx.onCleanup(() => subs.forEach((s) => s.close()));
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, () => readFile('/proc/self/status')));
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('reports an ENOBUFS overrun with a tiny receive buffer, and keeps delivering afterwards', async () => {
    const sub = RouteEventSubscription.open(ctx.libc, [RTNLGRP_LINK], { netns: ns.name, receiveBufferSize: 1 });
    ctx.onCleanup(() => sub.close());
    expect(sub.receiveBufferSize).toBeLessThan(16 * 1024);
    let overruns = 0;
    sub.on('overrun', () => overruns++);
    // Block the event loop while ~100 link events arrive: the socket buffer must overflow.
    const batch = Array.from({ length: 50 }, (_, i) => `link add nltov${i} type ifb\n`).join('');
    execFileSync('ip', ['-n', ns.name, '-batch', '-'], { input: batch });
    const after = waitFor(sub, (e) => (e.kind === 'link' && e.link.name === 'nltov7' && e.link.up ? true : undefined));
    await new Promise((r) => setTimeout(r, 50));
    expect(overruns).toBeGreaterThanOrEqual(1);
    expect(sub.overruns).toBe(overruns);
    ns.ip(['link', 'set', 'nltov7', 'up']);
    await expect(after).resolves.toBe(true);
  });

  it('delivers a change made from the overrun handler (a consumer resyncing right away)', async () => {
    // After an overrun the kernel drops every event for the socket, without a new ENOBUFS, until
    // the receive queue has been read empty; the overrun must be reported only after that.
    const sub = RouteEventSubscription.open(ctx.libc, [RTNLGRP_LINK], { netns: ns.name, receiveBufferSize: 1 });
    ctx.onCleanup(() => sub.close());
    let overruns = 0;
    sub.on('overrun', () => {
      if (overruns++ === 0) ns.ip(['link', 'set', 'nltov8', 'up']);
    });
    const up = waitFor(sub, (e) => (e.kind === 'link' && e.link.name === 'nltov8' && e.link.up ? true : undefined));
    const batch = Array.from({ length: 50 }, (_, i) => `link add nltow${i} type ifb\n`).join('');
    execFileSync('ip', ['-n', ns.name, '-batch', '-'], { input: batch });
    await expect(up).resolves.toBe(true);
    expect(overruns).toBeGreaterThanOrEqual(1);
  });
});

describe('address, route and rule events', () => {
  const ns = ctx.netns();
  ns.enableIpv6();
  const nl = ctx.connect(ns);

  it('decodes new/del events of every subscribed group', async () => {
    await route.createIfb(nl, 'nltev1', { up: true });
    const index = (await route.getLink(nl, 'nltev1')).index;
    const groups = [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE];
    const sub = RouteEventSubscription.open(ctx.libc, groups, { netns: ns.name });
    ctx.onCleanup(() => sub.close());

    const addr = waitFor(sub, (e) => (e.kind === 'address' && e.action === 'new' && e.address.address === '198.18.20.1' ? e.address : undefined));
    await route.addAddress(nl, { index, address: '198.18.20.1/24' });
    await expect(addr).resolves.toMatchObject({ prefixLength: 24, index });

    const r = waitFor(sub, (e) => (e.kind === 'route' && e.action === 'new' && e.route.table === 500 ? e.route : undefined));
    ns.ip(['route', 'add', 'blackhole', '198.19.20.0/24', 'table', '500']);
    await expect(r).resolves.toMatchObject({ dst: '198.19.20.0', dstLength: 24, type: 'blackhole' });

    const r6 = waitFor(sub, (e) => (e.kind === 'route' && e.action === 'del' && e.route.dst === 'fd00:20::' ? e.route : undefined));
    await route.addRoute(nl, { dst: 'fd00:20::/64', type: 'unreachable', table: 600 });
    await route.deleteRoute(nl, { dst: 'fd00:20::/64', table: 600 });
    await expect(r6).resolves.toMatchObject({ table: 600 });

    const rule = waitFor(sub, (e) => (e.kind === 'rule' && e.action === 'new' && e.rule.priority === 4242 ? e.rule : undefined));
    ns.ip(['-6', 'rule', 'add', 'priority', '4242', 'fwmark', '0x9', 'table', '600']);
    await expect(rule).resolves.toMatchObject({ fwmark: 9, table: 600, family: 10 });

    const del = waitFor(sub, (e) => (e.kind === 'address' && e.action === 'del' ? e.address : undefined));
    ns.ip(['addr', 'del', '198.18.20.1/24', 'dev', 'nltev1']);
    await expect(del).resolves.toMatchObject({ address: '198.18.20.1' });
  });
});

describe('process exit', () => {
  const ns = ctx.netns();

  it('a child process exits within 100 ms of closing its subscription', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'children/exit-after-close.ts'), ns.name], { stdio: ['ignore', 'pipe', 'inherit'] });
    ctx.onCleanup(() => child.kill('SIGKILL'));
    let closedAt = 0;
    const exited = new Promise<number>((resolve) => child.on('exit', () => resolve(now())));
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('ready\n') && !buf.includes('triggered')) {
          buf += 'triggered';
          ns.ip(['link', 'add', 'nltexit0', 'type', 'ifb']);
        }
        const m = /\{"closedAt":([\d.]+)\}/.exec(buf);
        if (m) {
          closedAt = Number(m[1]);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exitAt = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(Infinity), 5000))]);
    console.log(`child exited ${(exitAt - closedAt).toFixed(1)} ms after closing its subscription`);
    expect(exitAt - closedAt).toBeLessThan(100);
  });
});
