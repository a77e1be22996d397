/**
 * A whole agent for the unit tier: real services, real SQLite (temp dir), a fixed-key secret
 * box, the in-memory FakeKernel, a controllable clock, and a tRPC caller on the root router —
 * the API exactly as a client sees it, without carriers or root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger, type Logger } from '../../../agent/src/log.js';
import { agentRouter } from '../../../agent/src/rpc/router.js';
import { createCallerFactory, type AgentContext } from '../../../agent/src/rpc/trpc.js';
import { SecretBox } from '../../../agent/src/secrets/box.js';
import { createServices, type DomainServices } from '../../../agent/src/services/index.js';
import type { WebhookOptions } from '../../../agent/src/services/notify.js';
import { FakeKernel } from '../../support/fake-kernel.js';

export interface TestAgent {
  kernel: FakeKernel;
  domain: DomainServices;
  caller: ReturnType<typeof makeCaller>;
  clock: { now: Date; advance(ms: number): void };
  stateDir: string;
  close(): Promise<void>;
}

const makeCaller = createCallerFactory(agentRouter);

export function testAgent(user = 'alice', opts: { webhook?: WebhookOptions; log?: Logger } = {}): TestAgent {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-svc-'));
  const kernel = new FakeKernel();
  const clock = {
    now: new Date('2026-11-25T12:00:00.000Z'),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const domain = createServices({
    stateDir,
    kernel,
    log: opts.log ?? silentLogger,
    webhook: opts.webhook,
    box: new SecretBox(Buffer.alloc(32, 7)),
    clock: () => new Date(clock.now),
    reconcileIntervalMs: 0,
    monitorIntervalMs: 0,
  });
  const ctx: AgentContext = { user, privileged: true, mode: 'in-process', connection: { id: 1, subscriptions: () => 0 }, services: { domain } };
  return {
    kernel,
    domain,
    caller: makeCaller(ctx),
    clock,
    stateDir,
    async close() {
      await domain.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** snapshot of DB + kernel, to assert that a refused write changed nothing. */
export async function stateOf(a: TestAgent): Promise<string> {
  const r = a.domain.core.repos;
  const db = { networks: r.networks.list(), peers: r.peers.list(), bridges: r.bridges.list(), owned: r.ownedInterfaces.names(), pending: r.pendingOps.list() };
  const obs = await a.kernel.observe();
  const kernel = { interfaces: obs.interfaces, firewall: obs.firewallRules };
  return JSON.stringify({ db, kernel });
}

/** appCode of a rejected call (the tRPC error's formatted app code, via its cause chain). */
export async function appCodeOfCall(p: Promise<unknown>): Promise<{ appCode: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const { appCodeOf } = await import('../../../agent/src/rpc/errors.js');
    const { TRPCError } = await import('@trpc/server');
    if (!(err instanceof TRPCError)) throw err;
    return { appCode: appCodeOf(err), message: err.message };
  }
  throw new Error('expected the call to fail');
}
