/**
 * The agent protocol over real SSH: the lab host's OpenSSH, the agent bundle deployed with
 * ensureAgent, `wgpilot-agent stdio` on an exec channel, the desktop's link on the other end.
 * Needs the lab up (the e2e tier brings it up; or `npx tsx test/lab/cli.ts up`) and a built
 * agent bundle (`node build/agent-bundle.mjs`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAgent, findAgentBundle, type AgentBundle } from '../../src-main/core/agent-deploy.js';
import { AgentLinkError } from '../../src-main/core/agent-link.js';
import { openAgentSession, type AgentSession } from '../../src-main/core/agent-session.js';
import { SshSession } from '../../src-main/core/ssh.js';
import { Lab, type LabStatus } from '../lab/lab.js';
import { until } from '../support/until.js';

const repo = path.resolve(import.meta.dirname, '../..');

/** Whether a process exists (the lab host shares this machine's pid namespace). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('agent over SSH (lab host)', () => {
  let lab: LabStatus;
  let ssh: SshSession;
  let bundle: AgentBundle;
  let launcher: string;
  let installDir: string;
  let scratch: string;
  const sessions: AgentSession[] = [];

  beforeAll(async () => {
    lab = await new Lab({ name: process.env.WGPILOT_LAB_NAME }).status();
    if (!lab.up) throw new Error('the lab is not up: run the e2e tier through `npm test` (or `npx tsx test/lab/cli.ts up`)');
    installDir = path.join(lab.dir, 'agent-install-rpc');
    fs.rmSync(installDir, { recursive: true, force: true });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-e2e-rpc-'));
    ssh = await SshSession.connect({
      host: lab.host.address,
      port: lab.host.sshPort,
      username: lab.host.user,
      privateKeyPath: lab.host.keyPath,
      appKnownHostsPath: path.join(scratch, 'known_hosts'),
      userKnownHostsPaths: [lab.host.knownHostsPath],
    });
    bundle = findAgentBundle(path.join(repo, 'dist/agent'));
    ({ launcher } = await ensureAgent(ssh, bundle, undefined, { installDir }));
  });

  afterAll(() => {
    for (const s of sessions) s.close();
    ssh?.close();
    if (installDir) fs.rmSync(installDir, { recursive: true, force: true });
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  async function open(): Promise<AgentSession> {
    const s = await openAgentSession(ssh, launcher);
    sessions.push(s);
    return s;
  }

  it('says hello and answers system.info over the exec channel; the agent exits when the app closes it', async () => {
    const session = await open();
    const { hello, client } = session;
    expect(hello).toMatchObject({ version: bundle.version, protocol: 1, mode: 'in-process', user: 'root', uid: 0, privileged: true, capabilities: expect.arrayContaining(['system']) });
    const info = await client.system.info.query();
    expect(info).toMatchObject({ version: bundle.version, pid: hello.pid, mode: 'in-process', user: 'root', subscriptions: 0 });
    expect(await client.system.ping.query()).toBe('pong');
    session.close();
    await until(() => !alive(hello.pid), 5_000, `agent pid ${hello.pid} to exit`);
  });

  it('delivers system.clock, and unsubscribing stops it on the agent', async () => {
    const { client } = await open();
    const seqs: number[] = [];
    const sub = client.system.clock.subscribe({ intervalMs: 20 }, { onData: (t) => seqs.push(t.seq) });
    await until(() => seqs.length >= 5, 10_000, 'five ticks');
    expect(seqs.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect((await client.system.info.query()).subscriptions).toBe(1);
    sub.unsubscribe();
    await until(async () => (await client.system.info.query()).subscriptions === 0, 5_000, 'the agent to drop the subscription');
    const seen = seqs.length;
    await sleep(100);
    expect(seqs.length).toBe(seen);
  });

  it('reports the agent process dying as an error on live subscriptions and later calls', async () => {
    const session = await open();
    const { client, hello } = session;
    let ticks = 0;
    const failed = new Promise<unknown>((resolve) => client.system.clock.subscribe({ intervalMs: 20 }, { onData: () => ticks++, onError: resolve }));
    await until(() => ticks >= 2, 10_000, 'ticks before the kill');
    process.kill(hello.pid, 'SIGKILL'); // the lab host shares this machine's pid namespace
    const err = (await failed) as { cause?: unknown };
    expect(err.cause).toBeInstanceOf(AgentLinkError);
    const cause = err.cause as AgentLinkError;
    expect(cause.code).toBe('AGENT_CLOSED');
    expect(cause.message).toBe(`The connection to the agent on ${lab.host.address} closed (killed by SIGKILL).`);
    expect((await session.closed).code).toBe('AGENT_CLOSED');
    await expect(client.system.ping.query()).rejects.toMatchObject({ cause: { code: 'AGENT_CLOSED' } });
  });
});
