/**
 * Dumping 100,000 routes must not stall the event loop: a 1 ms interval timer keeps firing
 * with a small maximum lag while the dump is received and decoded.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { useLiveContext } from './netns.js';

const ROUTES = 100_000;
const ctx = useLiveContext();

function* blackholes(count: number): Generator<route.RouteSpec> {
  for (let i = 0; i < count; i++) yield { dst: `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}/32`, type: 'blackhole', table: 1000 };
}

describe('event loop', () => {
  const ns = ctx.netns();
  const nl = ctx.connect(ns);

  it(`creates ${ROUTES} routes with batched requests`, async () => {
    const started = performance.now();
    const results = await route.addRoutes(nl, blackholes(ROUTES));
    const ms = performance.now() - started;
    console.log(`addRoutes: ${ROUTES} routes in ${ms.toFixed(0)} ms`);
    expect(results.filter((r) => r instanceof Error)).toEqual([]);
    const count = execFileSync('bash', ['-c', `ip -n ${ns.name} route show table 1000 | wc -l`], { encoding: 'utf8' });
    expect(Number(count.trim())).toBe(ROUTES);
  });

  it(`dumps ${ROUTES} routes while a 1 ms timer keeps running (max lag < 50 ms)`, async () => {
    let maxLag = 0;
    let ticks = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const t = performance.now();
      maxLag = Math.max(maxLag, t - last);
      last = t;
      ticks++;
    }, 1);
    const started = performance.now();
    const routes = await route.listRoutes(nl, { table: 1000 });
    const ms = performance.now() - started;
    clearInterval(timer);
    console.log(`listRoutes: ${routes.length} routes in ${ms.toFixed(0)} ms; timer ticks ${ticks}, max interval ${maxLag.toFixed(1)} ms`);
    expect(routes).toHaveLength(ROUTES);
    expect(routes[0]).toMatchObject({ type: 'blackhole', table: 1000, dstLength: 32 });
    expect(maxLag).toBeLessThan(50);
  });
});
