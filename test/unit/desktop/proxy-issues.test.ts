/**
 * The desktop proxy (agent.invoke) forwards the agent's INVALID_INPUT `data.issues` to the
 * renderer unchanged, beside its appCode: a real agent server on an in-memory wire, the real
 * link, and the desktop's own error formatter.
 */
import { createTRPCUntypedClient } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { procedure, router } from '../../../agent/src/rpc/trpc.js';
import { ServiceError } from '../../../agent/src/services/errors.js';
import { t } from '../../../src-main/core/desktop-trpc.js';
import type { HostManager } from '../../../src-main/core/hosts.js';
import { agentProxyRouter } from '../../../src-main/core/router-agent.js';
import { describeError } from '../../../src-renderer/lib/errors.js';
import { connectPair, type Pair } from '../rpc/harness.js';

const issues = [
  { field: 'subnet4', message: 'subnet 10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?' },
  { field: 'mtu', message: 'MTU must be 1280..9000, got 1279' },
];
const testRouter = router({
  networks: router({
    create: procedure.input(z.object({ mtu: z.number().int() })).mutation(() => {
      throw new ServiceError('INVALID_INPUT', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { issues });
    }),
  }),
});

let pair: Pair<typeof testRouter> | undefined;
afterEach(() => {
  pair?.conn.close();
  pair = undefined;
});

/** What the renderer receives for a failed agent.invoke: the desktop formatter's shape. */
async function invokeError(input: unknown) {
  pair = await connectPair(testRouter, { identity: { user: 'alice' } as never });
  const client = createTRPCUntypedClient({ links: [pair.conn.link] });
  const hosts = { agentUntyped: () => client } as unknown as HostManager;
  const caller = agentProxyRouter.createCaller({ hosts, mode: 'browser', version: 'test' });
  try {
    await caller.invoke({ hostId: 'h1', path: 'networks.create', type: 'mutation', input });
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const shape = { code: -32600 as const, message: error.message, data: { code: error.code, httpStatus: 400, path: 'agent.invoke' } };
    return t._config.errorFormatter({ shape, error, type: 'mutation', path: 'agent.invoke', input, ctx: undefined });
  }
  throw new Error('expected the call to fail');
}

describe('agent.invoke errors', () => {
  it("forwards the agent's issues unchanged with its appCode and message", async () => {
    const shape = await invokeError({ mtu: 1279 });
    expect(shape.message).toBe(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    expect(shape.data).toMatchObject({ appCode: 'INVALID_INPUT', issues: issues.map((i) => ({ path: i.field, message: i.message, severity: 'error' })) });
    expect(describeError(shape).fields).toEqual({ subnet4: issues[0]!.message, mtu: issues[1]!.message });
  });

  it("forwards zod's input issues from the agent", async () => {
    const shape = await invokeError({ mtu: 'x' });
    expect(shape.data).toMatchObject({ appCode: 'INVALID_INPUT', issues: [{ path: 'mtu', message: expect.any(String) }] });
  });
});
