/**
 * system: facts about the agent process and two streams for tests and benchmarks. No services
 * needed; everything here is read from the process itself.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AGENT_VERSION, PROTOCOL_VERSION } from '../../version.js';
import { procedure, router } from '../trpc.js';
import { systemAdminProcedures } from './admin.js';

/** `system.burst` gives the event loop a turn every this many events, so a stop gets through. */
const BURST_YIELD_EVERY = 256;

export const systemRouter = router({
  /** backup, restore, ports: host administration over the domain services (admin.ts). */
  ...systemAdminProcedures,

  /** Version, runtime and connection facts (what `diagnose` and the status bar show). */
  info: procedure.query(({ ctx }) => ({
    version: AGENT_VERSION,
    protocol: PROTOCOL_VERSION,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    pid: process.pid,
    uptimeSeconds: process.uptime(),
    mode: ctx.mode,
    user: ctx.user,
    privileged: ctx.privileged,
    connection: ctx.connection.id,
    subscriptions: ctx.connection.subscriptions(),
  })),

  /** The smallest round trip: latency benchmarks and liveness checks. */
  ping: procedure.query(() => 'pong' as const),

  /**
   * A tick every `intervalMs` (≥ 10) as `{ seq, time }` (time in ms since the epoch), ending
   * after `count` ticks if given. The wait honours the abort signal, so a stop ends it at once.
   */
  clock: procedure
    .input(z.object({ intervalMs: z.number().int().min(10).max(3_600_000), count: z.number().int().positive().optional() }))
    .subscription(async function* ({ input, signal }) {
      for (let seq = 1; input.count === undefined || seq <= input.count; seq++) {
        await sleep(input.intervalMs, undefined, { signal });
        yield { seq, time: Date.now() };
      }
    }),

  /**
   * `count` events `{ seq, pad }` as fast as the carrier takes them (`pad` is `padBytes` of
   * filler): the subscription-throughput benchmark.
   */
  burst: procedure
    .input(z.object({ count: z.number().int().min(1).max(1_000_000), padBytes: z.number().int().min(0).max(4096).default(0) }))
    .subscription(async function* ({ input, signal }) {
      const pad = 'x'.repeat(input.padBytes);
      for (let seq = 1; seq <= input.count && !signal?.aborted; seq++) {
        if (seq % BURST_YIELD_EVERY === 0) await yieldToLoop();
        yield { seq, pad };
      }
    }),
});
