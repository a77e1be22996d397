/**
 * Reconnect with live subscriptions, on a lab of its own (`wgr`, block 19) so that killing agents
 * and pulling the link cannot disturb anyone else. A `system.clock` subscription runs through
 * the desktop router's agent proxy; then (1) the agent process is killed, (2) the lab's root-side
 * link goes down long enough for SSH keepalive to give up, and comes back. Each time the host
 * must go `reconnecting`, come back `connected` without redeploying, and the same subscription
 * must deliver again within 5 s.
 *
 * Block 19 is shared with the lab self-test (`wgx`), the runner test (`wgf`) and the SSH bench
 * (`wgb`); those run in the integration tier or alone, before this tier, and beforeAll refuses
 * to start while any of them is up.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { desktopRouter } from '../../src-main/core/router.js';
import { Lab, type LabStatus } from '../lab/lab.js';
import { labHosts, type LabHosts } from '../support/lab-hosts.js';
import { until } from '../support/until.js';

const lab = new Lab({ name: 'wgr', block: 19, peers: 0 });
/** Keepalive 0.5 s × 2: a pulled link is noticed in ~1–1.5 s instead of the default 45 s. */
const KEEPALIVE = { intervalMs: 500, countMax: 2 };
const BACKOFF = { initialMs: 200, maxMs: 1_000 };
const RESUME_WITHIN_MS = 5_000;

interface Tick {
  seq: number;
  at: number;
}

describe('reconnect with live subscriptions (lab wgr)', () => {
  let status: LabStatus;
  let core: LabHosts;
  let caller: ReturnType<typeof desktopRouter.createCaller>;
  let hostId: string;
  const ticks: Tick[] = [];
  let stream: Promise<void>;
  let stop = false;

  beforeAll(async () => {
    const others = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .filter((ns) => /^(wgx|wgf|wgb)-/.test(ns));
    if (others.length > 0) throw new Error(`another block-19 lab is up (${others.join(', ')}); run this tier after it`);
    status = await lab.up();
    core = labHosts(status, { remoteAgentDir: path.join(status.dir, 'agent-install'), keepalive: KEEPALIVE, backoff: BACKOFF, readyTimeoutMs: 3_000 });
    caller = desktopRouter.createCaller({ hosts: core.hosts, mode: 'browser', version: 'test' });
    hostId = (await caller.hosts.connect({ alias: 'lab' })).id;
    const iter = await caller.agent.subscribe({ hostId, path: 'system.clock', input: { intervalMs: 50 } });
    stream = (async () => {
      for await (const t of iter) {
        ticks.push({ seq: (t as { seq: number }).seq, at: Date.now() });
        if (stop) break;
      }
    })();
    await until(() => ticks.length >= 3, 10_000, 'first ticks');
  });

  afterAll(async () => {
    stop = true;
    await Promise.race([stream, new Promise((r) => setTimeout(r, 2_000))]);
    core?.dispose();
    await lab.down();
  });

  const statesSince = (n: number) => core.states.slice(n).filter((e) => e.hostId === hostId).map((e) => e.state.status);
  const agentPid = async () => ((await caller.agent.invoke({ hostId, path: 'system.info', type: 'query' })) as { pid: number }).pid;

  it('resumes the subscription within 5 s after the agent process is killed', async () => {
    const pid = await agentPid();
    const mark = core.states.length;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL'); // the lab host shares this machine's pid namespace
    await until(() => ticks.some((t) => t.at > killedAt && t.seq === 1), RESUME_WITHIN_MS, 'a tick from the new agent');
    expect(statesSince(mark)).toEqual(['reconnecting', 'connected']); // no deploying: nothing re-deployed
    expect(await agentPid()).not.toBe(pid);
  });

  it('resumes the subscription within 5 s after the TCP connection drops (link down, then up)', async () => {
    const pid = await agentPid();
    const mark = core.states.length;
    execFileSync('ip', ['link', 'set', 'dev', `${lab.name}-root`, 'down']);
    try {
      await until(() => statesSince(mark).includes('reconnecting'), 10_000, 'keepalive to declare the connection dead');
    } finally {
      execFileSync('ip', ['link', 'set', 'dev', `${lab.name}-root`, 'up']);
    }
    const upAt = Date.now();
    await until(() => ticks.some((t) => t.at > upAt && t.seq <= 3), RESUME_WITHIN_MS, 'a tick after the link came back');
    expect(statesSince(mark).at(-1)).toBe('connected');
    expect(statesSince(mark)).not.toContain('deploying');
    expect(await agentPid()).not.toBe(pid); // a new SSH connection, a new agent
  });
});
