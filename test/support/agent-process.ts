/**
 * Runs the agent CLI from source (tsx) for integration tests, and connects the desktop link to
 * it over its socket or its stdio, the way the app does over SSH.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import type { ClientIdentity } from '../../agent/src/rpc/protocol.js';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import { connectAgent, type AgentConnection } from '../../src-main/core/agent-link.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(repoRoot, 'agent/src/cli.ts');

export interface AgentProcess {
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Starts `wgpilot-agent <args>` from source with stdio pipes. */
export function spawnAgent(args: string[], opts: SpawnOptions & { env?: NodeJS.ProcessEnv } = {}): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], ...opts, env: { ...process.env, ...opts.env } });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig)));
  return { child, stderr: () => err, exited };
}

/** Starts the daemon on `stateDir` (JSON logs, which tests read) and waits until its socket accepts connections. */
export async function startDaemon(stateDir: string, env: NodeJS.ProcessEnv = {}): Promise<AgentProcess & { socketPath: string }> {
  const agent = spawnAgent(['serve', '--state-dir', stateDir, '--log-format', 'json'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const socketPath = path.join(stateDir, 'agent.sock');
  for (const end = Date.now() + 15_000; !agent.stderr().includes('"msg":"listening"'); await sleep(20)) {
    if (agent.child.exitCode !== null) throw new Error(`daemon exited early: ${agent.stderr()}`);
    if (Date.now() > end) throw new Error(`daemon did not listen: ${agent.stderr()}`);
  }
  return { ...agent, socketPath };
}

export interface Connected {
  conn: AgentConnection;
  client: TRPCClient<AgentRouter>;
}

async function link(io: Duplex): Promise<Connected> {
  const conn = await connectAgent(io);
  return { conn, client: createTRPCClient<AgentRouter>({ links: [conn.link] }) };
}

/** Connects to a daemon socket directly, introducing itself as `identity`. */
export async function connectSocket(socketPath: string, identity: ClientIdentity): Promise<Connected> {
  const socket = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(JSON.stringify({ identify: identity }) + '\n');
  return link(socket);
}

/** Runs `wgpilot-agent stdio` and connects to its stdin/stdout, as the app does over SSH. */
export async function connectStdio(env: NodeJS.ProcessEnv): Promise<Connected & { agent: AgentProcess }> {
  const agent = spawnAgent(['stdio'], { env });
  const io = Duplex.from({ readable: agent.child.stdout!, writable: agent.child.stdin! });
  return { ...(await link(io)), agent };
}

/** A fresh temp dir under /tmp, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join('/tmp', prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
