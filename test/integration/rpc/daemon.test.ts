/**
 * The agent's carriers as real processes (root): `serve` on a temp state dir with several
 * socket clients at once, the socket's permissions and peer check, `stdio` bridging to the
 * daemon vs serving in-process, and clean exits on SIGTERM and on the peer going away.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentLinkError } from '../../../src-main/core/agent-link.js';
import { connectSocket, connectStdio, spawnAgent, startDaemon, tempDir, type AgentProcess, type Connected } from '../../support/agent-process.js';
import { until } from '../../support/until.js';

const NOBODY = 65534;
let tmp: ReturnType<typeof tempDir>;
let stateDir: string;
const processes: AgentProcess[] = [];
const connections: Connected[] = [];

beforeEach(() => {
  tmp = tempDir('wgp-rpc-');
  stateDir = path.join(tmp.dir, 'state');
});

afterEach(async () => {
  for (const c of connections.splice(0)) c.conn.close();
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  tmp.remove();
});

async function daemon() {
  const d = await startDaemon(stateDir);
  processes.push(d);
  return d;
}

const track = <T extends Connected>(c: T): T => (connections.push(c), c);

/** Runs a one-line Node script as uid nobody and returns what it printed. */
function asNobody(script: string): string {
  return execFileSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', cwd: '/' }).trim();
}

describe('wgpilot-agent serve', () => {
  it('serves two clients at once; both receive system.clock', async () => {
    const d = await daemon();
    const a = track(await connectSocket(d.socketPath, { user: 'alice' }));
    const b = track(await connectSocket(d.socketPath, { user: 'bob', from: '198.18.0.1' }));
    expect(a.conn.hello).toMatchObject({ mode: 'daemon', user: 'alice', pid: d.child.pid, uid: 0, privileged: true });
    expect(b.conn.hello.user).toBe('bob');

    const ticks = { a: [] as number[], b: [] as number[] };
    const subA = a.client.system.clock.subscribe({ intervalMs: 20 }, { onData: (t) => ticks.a.push(t.seq) });
    const subB = b.client.system.clock.subscribe({ intervalMs: 20 }, { onData: (t) => ticks.b.push(t.seq) });
    await until(() => ticks.a.length >= 3 && ticks.b.length >= 3, 5000, 'ticks on both connections');
    expect(ticks.a.slice(0, 3)).toEqual([1, 2, 3]);
    expect(ticks.b.slice(0, 3)).toEqual([1, 2, 3]);

    const [infoA, infoB] = await Promise.all([a.client.system.info.query(), b.client.system.info.query()]);
    expect(infoA.connection).not.toBe(infoB.connection);
    expect([infoA.user, infoB.user, infoA.subscriptions, infoB.subscriptions]).toEqual(['alice', 'bob', 1, 1]);
    subA.unsubscribe();
    subB.unsubscribe();
    await until(async () => (await a.client.system.info.query()).subscriptions === 0);
  });

  it('makes the socket 0600 in a 0700 state dir, owned by root; another user cannot even reach it', async () => {
    const d = await daemon();
    const sock = fs.statSync(d.socketPath);
    const dir = fs.statSync(stateDir);
    expect([sock.isSocket(), sock.mode & 0o777, sock.uid]).toEqual([true, 0o600, 0]);
    expect([dir.mode & 0o777, dir.uid]).toEqual([0o700, 0]);
    const script = `require('net').connect(${JSON.stringify(d.socketPath)}).on('error',e=>{console.log(e.code)}).on('connect',()=>{console.log('connected');process.exit()})`;
    expect(asNobody(script)).toBe('EACCES');
  });

  it('refuses another uid by SO_PEERCRED even when the file permissions would let it in', async () => {
    const d = await daemon();
    for (const dir of [tmp.dir, stateDir]) fs.chmodSync(dir, 0o755);
    fs.chmodSync(d.socketPath, 0o666);
    const script = `const s=require('net').connect(${JSON.stringify(d.socketPath)});let out='';s.on('data',b=>out+=b);s.on('close',()=>console.log(out.trim()));s.on('error',e=>console.log(e.code))`;
    const reply = JSON.parse(asNobody(script)) as { id: null; error: { message: string; data: { appCode: string } } };
    expect(reply).toMatchObject({ id: null, error: { message: `Peer uid ${NOBODY} may not use this socket`, data: { appCode: 'FORBIDDEN' } } });
    await until(() => d.stderr().includes('"msg":"refused a connection from another user","cmd":"serve"'), 5000, 'the refusal in the log');
    expect(d.stderr()).toContain(`"uid":${NOBODY}`);
  });

  it('refuses to start while another daemon serves the socket, and replaces a stale one', async () => {
    const d = await daemon();
    const second = spawnAgent(['serve', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    processes.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`another wgpilot-agent daemon is already serving on ${d.socketPath}`);

    d.child.kill('SIGKILL'); // leaves the socket file behind
    await d.exited;
    expect(fs.existsSync(d.socketPath)).toBe(true);
    const third = await daemon();
    const c = track(await connectSocket(third.socketPath, { user: 'alice' }));
    expect(c.conn.hello.pid).toBe(third.child.pid);
  });

  it('on SIGTERM closes every connection (clients see AGENT_CLOSED), removes the socket and exits 0', async () => {
    const d = await daemon();
    const c = track(await connectSocket(d.socketPath, { user: 'alice' }));
    const failed = new Promise<unknown>((resolve) => c.client.system.clock.subscribe({ intervalMs: 10 }, { onError: resolve }));
    await sleep(50);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(((await failed) as { cause?: AgentLinkError }).cause?.code).toBe('AGENT_CLOSED');
    expect(fs.existsSync(d.socketPath)).toBe(false);
    expect(d.stderr()).toMatch(/"msg":"shutting down".*"signal":"SIGTERM"/);
  });
});

describe('wgpilot-agent stdio', () => {
  it('bridges to the daemon when it runs: the hello is the daemon’s, the user is the SSH user', async () => {
    const d = await daemon();
    const s = track(await connectStdio({ WGPILOT_STATE_DIR: stateDir, SUDO_USER: 'carol', SSH_CONNECTION: '198.18.0.1 40000 198.18.0.2 22' }));
    processes.push(s.agent);
    expect(s.conn.hello).toMatchObject({ mode: 'daemon', pid: d.child.pid, user: 'carol' });
    expect(await s.client.system.ping.query()).toBe('pong');
    const got: number[] = [];
    const sub = s.client.system.clock.subscribe({ intervalMs: 10 }, { onData: (t) => got.push(t.seq) });
    await until(() => got.length >= 3);
    sub.unsubscribe();
    s.conn.close();
    expect(await s.agent.exited).toBe(0);
  });

  it('serves in-process when no daemon runs, and exits 0 when its input closes', async () => {
    const s = track(await connectStdio({ WGPILOT_STATE_DIR: stateDir, SUDO_USER: 'dave' }));
    processes.push(s.agent);
    expect(s.conn.hello).toMatchObject({ mode: 'in-process', pid: s.agent.child.pid, user: 'dave' });
    const info = await s.client.system.info.query();
    expect(info).toMatchObject({ mode: 'in-process', pid: s.agent.child.pid, user: 'dave' });
    s.conn.close();
    expect(await s.agent.exited).toBe(0);
    expect(fs.existsSync(stateDir)).toBe(false); // in-process mode creates nothing
  });

  it('the bridge exits when the daemon goes away, and the client sees the close as an error', async () => {
    const d = await daemon();
    const s = track(await connectStdio({ WGPILOT_STATE_DIR: stateDir }));
    processes.push(s.agent);
    const failed = new Promise<unknown>((resolve) => s.client.system.clock.subscribe({ intervalMs: 10 }, { onError: resolve }));
    await sleep(50);
    d.child.kill('SIGKILL');
    expect(((await failed) as { cause?: AgentLinkError }).cause?.code).toBe('AGENT_CLOSED');
    expect(await s.agent.exited).toBe(0);
  });
});

describe('wgpilot-agent install-service', () => {
  it('writes the unit pointing at the launcher, and refuses non-root', async () => {
    const unitDir = path.join(tmp.dir, 'systemd');
    const run = spawnAgent(['install-service', '--launcher', '/opt/wgp/wgpilot-agent', '--state-dir', '/var/lib/wgp-test', '--unit-dir', unitDir]);
    processes.push(run);
    let out = '';
    run.child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    expect(await run.exited).toBe(0);
    const unit = fs.readFileSync(path.join(unitDir, 'wgpilot-agent.service'), 'utf8');
    expect(unit).toContain('ExecStart=/opt/wgp/wgpilot-agent serve --state-dir /var/lib/wgp-test\n');
    expect(out).toContain(`wrote ${unitDir}/wgpilot-agent.service`);

    const asUser = spawnAgent(['install-service', '--unit-dir', unitDir], { uid: NOBODY, gid: NOBODY, env: { HOME: '/nonexistent' } });
    processes.push(asUser);
    expect(await asUser.exited).toBe(1);
    expect(asUser.stderr()).toContain('must run as root');
  });
});
