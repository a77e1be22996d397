/**
 * A router for the adapter tests: the real `system` namespace plus procedures that exercise
 * every path of the adapter (errors by app code, streams that end, fail, track ids, or record
 * their cleanup in a probe).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { tracked, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { z } from 'zod';
import { APP_CODES, AppError } from '../../../agent/src/rpc/errors.js';
import { systemRouter } from '../../../agent/src/rpc/routers/system.js';
import { procedure, router } from '../../../agent/src/rpc/trpc.js';

/** What the server side of a test saw: generator cleanups and how far streams got. */
export interface Probe {
  cleanups: { name: string; aborted: boolean }[];
  produced: number;
}

export const newProbe = (): Probe => ({ cleanups: [], produced: 0 });

export function testRouter(probe: Probe) {
  return router({
    system: systemRouter,
    test: router({
      echo: procedure
        .input(z.object({ text: z.string().max(20) }))
        .mutation(({ input, ctx }) => ({ text: input.text, user: ctx.user, from: ctx.from ?? null })),
      fail: procedure
        .input(z.object({ appCode: z.enum(APP_CODES).optional(), trpcCode: z.string().optional() }))
        .query(({ input }): never => {
          if (input.appCode) throw new AppError(input.appCode, `failed with ${input.appCode}`);
          if (input.trpcCode) throw new TRPCError({ code: input.trpcCode as TRPC_ERROR_CODE_KEY, message: `failed with ${input.trpcCode}` });
          throw new Error('plain failure');
        }),
      bigint: procedure.query(() => ({ n: 1n })),
      /** Ticks every 5 ms until stopped; records its cleanup. */
      ticks: procedure.input(z.object({ name: z.string() })).subscription(async function* ({ input, signal }) {
        try {
          for (let i = 1; ; i++) {
            await sleep(5, undefined, { signal });
            yield i;
          }
        } finally {
          probe.cleanups.push({ name: input.name, aborted: signal?.aborted ?? false });
        }
      }),
      finite: procedure.subscription(async function* () {
        yield 1;
        yield 2;
        yield 3;
      }),
      failing: procedure.subscription(async function* () {
        yield 1;
        throw new AppError('UNSUPPORTED', 'kernel went away');
      }),
      tracked: procedure.input(z.object({ lastEventId: z.string().optional() }).optional()).subscription(async function* ({ input }) {
        const start = Number(input?.lastEventId ?? 0);
        for (let i = start + 1; i <= start + 2; i++) yield tracked(String(i), { n: i });
      }),
      /** As many events as the carrier takes, counting them in the probe. */
      counted: procedure.input(z.object({ count: z.number() })).subscription(async function* ({ input }) {
        for (let i = 1; i <= input.count; i++) {
          probe.produced = i;
          yield { i, pad: 'x'.repeat(40) };
        }
      }),
    }),
  });
}

export type TestRouter = ReturnType<typeof testRouter>;
