/**
 * INVALID_INPUT errors carry their per-field issues as `data.issues` (agent/PROTOCOL.md "Errors"),
 * from the services' validation and from zod input errors, with `message` unchanged.
 */
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatError, type AgentErrorShape } from '../../../agent/src/rpc/errors.js';
import { testAgent, type TestAgent } from './harness.js';

let a: TestAgent;
beforeEach(() => {
  a = testAgent('bob');
});
afterEach(async () => {
  await a.close();
});

/** The formatted error shape of a rejected call, as the agent would send it. */
async function shapeOf(p: Promise<unknown>): Promise<{ error: TRPCError; shape: AgentErrorShape }> {
  try {
    await p;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const shape = formatError({ shape: { code: -32603, message: error.message, data: { code: error.code, httpStatus: 500, path: 'networks.create' } }, error });
    return { error, shape };
  }
  throw new Error('expected the call to fail');
}

describe('data.issues', () => {
  it('lists every bad field of an invalid network create, keeping the message text', async () => {
    const { error, shape } = await shapeOf(a.caller.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.0.0.1/24', mtu: 1279 }));
    expect(shape.data.appCode).toBe('INVALID_INPUT');
    expect(shape.data.code).toBe('BAD_REQUEST');
    const issues = shape.data.issues ?? [];
    expect(issues.map((i) => i.path).sort()).toEqual(['mtu', 'subnet4']);
    expect(issues.every((i) => i.severity === 'error' && i.message.length > 0)).toBe(true);
    expect(issues.find((i) => i.path === 'mtu')?.message).toMatch(/^MTU must be 1280\.\.9000, got 1279/);
    // The message is exactly the "field: message; …" text it always was.
    expect(shape.message).toBe(error.message);
    expect(error.message).toBe(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  });

  it("carries zod's input issues with their paths joined by '.'", async () => {
    const { shape } = await shapeOf(a.caller.networks.update({ id: 1, patch: { mtu: 1.5 } }));
    expect(shape.data.appCode).toBe('INVALID_INPUT');
    expect(shape.data.issues).toEqual([{ path: 'patch.mtu', message: expect.any(String), severity: 'error' }]);
  });

  it('adds no issues to other app codes', async () => {
    const { shape } = await shapeOf(a.caller.networks.get({ id: 99 }));
    expect(shape.data.appCode).toBe('NOT_FOUND');
    expect(shape.data).not.toHaveProperty('issues');
  });
});
