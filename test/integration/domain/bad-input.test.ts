/**
 * Bad input through the API (tRPC caller on the real services, real kernel in a throwaway
 * host namespace): each is refused with a specific app code and message, and neither the
 * database nor the kernel changed — checked by comparing snapshots of both (the repositories;
 * `ip -j link/addr`, `wg show all dump`, `nft list table` in the host namespace). Addresses are
 * compared without IPv6 DAD's in-progress flags, which clear by themselves (ip-oracle.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCodeOf } from '../../../agent/src/rpc/errors.js';
import { agentRouter } from '../../../agent/src/rpc/router.js';
import { createCallerFactory } from '../../../agent/src/rpc/trpc.js';
import type { DomainServices } from '../../../agent/src/services/index.js';
import { settledAddresses } from '../../support/ip-oracle.js';
import { DomainEnv, run } from './env.js';

const env = new DomainEnv(180);
let s: DomainServices;
const makeCaller = createCallerFactory(agentRouter);
let caller: ReturnType<typeof makeCaller>;
let holder: ChildProcess | undefined;
let baseId = 0;
const BUSY_PORT = 51999;

async function snapshot(): Promise<string> {
  const r = s.core.repos;
  const db = { n: r.networks.list(), p: r.peers.list(), b: r.bridges.list(), o: r.ownedInterfaces.names(), q: r.pendingOps.list() };
  const links = JSON.parse(await run(['ip', '-n', env.host, '-j', 'link', 'show'])) as Array<{ ifname: string; mtu: number; flags: string[] }>;
  const addrs = await run(['ip', '-n', env.host, '-j', 'addr', 'show']);
  const wg = (await run(['ip', 'netns', 'exec', env.host, 'wg', 'show', 'all', 'dump'])).split('\n').filter((l) => l.startsWith(env.prefix)).map((l) => l.split('\t').slice(0, 4).join(' '));
  const nft = await run(['ip', 'netns', 'exec', env.host, 'nft', 'list', 'table', 'inet', 'wgpilot']);
  return JSON.stringify({ db, links: links.map((l) => [l.ifname, l.mtu, l.flags]), addrs: settledAddresses(addrs), wg, nft: nft.replace(/packets \d+ bytes \d+/g, '') });
}

/** refused runs a call that must fail and returns its app code and message; asserts no change. */
async function refused(call: () => Promise<unknown>): Promise<{ appCode: string; message: string }> {
  const before = await snapshot();
  let error: unknown;
  try {
    await call();
  } catch (err) {
    error = err;
  }
  expect(error, 'the call should have failed').toBeInstanceOf(TRPCError);
  expect(await snapshot()).toEqual(before);
  return { appCode: appCodeOf(error as TRPCError), message: (error as Error).message };
}

beforeAll(async () => {
  await env.up();
  s = await env.startAgent();
  caller = makeCaller({ user: 'tester', privileged: true, mode: 'in-process', connection: { id: 1, subscriptions: () => 0 }, services: { domain: s } });
  const base = await caller.networks.create({ name: 'base', mode: 'gateway', subnet4: '10.181.0.0/24', endpointHost: env.publicAddress });
  baseId = base.network.id;
  await caller.peers.create({ networkId: baseId, name: 'p1' });
  // Another process holds a UDP port in the host namespace.
  holder = spawn('ip', ['netns', 'exec', env.host, process.execPath, '-e', `require('dgram').createSocket('udp4').bind(${BUSY_PORT}, () => console.log('bound')); setInterval(() => {}, 1e6)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => holder?.stdout?.once('data', () => resolve()));
});

afterAll(async () => {
  holder?.kill('SIGKILL');
  await env.cleanup();
});

describe('refused with a specific error, nothing changed in DB or kernel', () => {
  it('an invalid CIDR', async () => {
    const e = await refused(() => caller.networks.create({ name: 'x', mode: 'gateway', subnet4: '10.182.0.0/33' }));
    expect(e).toMatchObject({ appCode: 'INVALID_INPUT', message: expect.stringMatching(/subnet4: '10\.182\.0\.0\/33' is not a valid CIDR/) });
    const hostBits = await refused(() => caller.networks.create({ name: 'x', mode: 'gateway', subnet4: '10.182.0.1/24' }));
    expect(hostBits.appCode).toBe('INVALID_INPUT');
  });

  it('a subnet overlapping another network', async () => {
    const e = await refused(() => caller.networks.create({ name: 'x', mode: 'gateway', subnet4: '10.181.0.0/16' }));
    expect(e).toEqual({ appCode: 'INVALID_INPUT', message: "subnet4: subnet 10.181.0.0/16 overlaps 10.181.0.0/24 of network 'base'" });
  });

  it("a subnet overlapping the host's own addresses (read via netlink)", async () => {
    const e = await refused(() => caller.networks.create({ name: 'x', mode: 'gateway', subnet4: '198.18.180.0/25' }));
    expect(e.appCode).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/subnet 198\.18\.180\.0\/25 overlaps the host's own address 198\.18\.180\.1\/24 on wda/);
  });

  it('a listen port held by another process (sock_diag: port, address, pid, process)', async () => {
    const e = await refused(() => caller.networks.create({ name: 'x', mode: 'gateway', subnet4: '10.183.0.0/24', listenPort: BUSY_PORT }));
    expect(e.appCode).toBe('CONFLICT');
    expect(e.message).toBe(`UDP port ${BUSY_PORT} is already in use on 0.0.0.0 by process 'node' (pid ${holder?.pid})`);
    const update = await refused(() => caller.networks.update({ id: baseId, patch: { listenPort: BUSY_PORT } }));
    expect(update.appCode).toBe('CONFLICT');
  });

  it('MTU 1279 and 9001', async () => {
    for (const mtu of [1279, 9001]) {
      const e = await refused(() => caller.networks.create({ name: 'x', mode: 'gateway', subnet4: '10.183.0.0/24', mtu }));
      expect(e).toEqual({ appCode: 'INVALID_INPUT', message: `mtu: MTU must be 1280..9000, got ${mtu}` });
      const u = await refused(() => caller.networks.update({ id: baseId, patch: { mtu } }));
      expect(u.message).toBe(`mtu: MTU must be 1280..9000, got ${mtu}`);
    }
  });

  it('duplicate names', async () => {
    const n = await refused(() => caller.networks.create({ name: 'BASE', mode: 'gateway', subnet4: '10.184.0.0/24' }));
    expect(n).toEqual({ appCode: 'CONFLICT', message: "a network named 'BASE' already exists" });
    const p = await refused(() => caller.peers.create({ networkId: baseId, name: 'p1' }));
    expect(p).toEqual({ appCode: 'CONFLICT', message: "network 'base' already has a peer named 'p1'" });
  });

  it('unknown ids', async () => {
    expect(await refused(() => caller.networks.get({ id: 999 }))).toEqual({ appCode: 'NOT_FOUND', message: 'network 999 not found' });
    expect(await refused(() => caller.networks.update({ id: 999, patch: { mtu: 1400 } }))).toEqual({ appCode: 'NOT_FOUND', message: 'network 999 not found' });
    expect(await refused(() => caller.networks.delete({ id: 999 }))).toEqual({ appCode: 'NOT_FOUND', message: 'network 999 not found' });
    expect(await refused(() => caller.peers.create({ networkId: 999, name: 'z' }))).toEqual({ appCode: 'NOT_FOUND', message: 'network 999 not found' });
    expect(await refused(() => caller.peers.delete({ id: 999 }))).toEqual({ appCode: 'NOT_FOUND', message: 'peer 999 not found' });
    expect(await refused(() => caller.peers.config({ id: 999 }))).toEqual({ appCode: 'NOT_FOUND', message: 'peer 999 not found' });
    expect(await refused(() => caller.bridges.create({ networkAId: baseId, networkBId: 999 }))).toEqual({ appCode: 'NOT_FOUND', message: 'network 999 not found' });
  });

  it('a malformed wg-quick file', async () => {
    const text = '[Interface]\nPrivateKey = nope\nAddress = 10.185.0.1/24\n[Peer]\nAllowedIPs = 10.185.0.300/32\n';
    const e = await refused(() => caller.networks.import({ text, name: 'imp', mode: 'hub-routed' }));
    expect(e.appCode).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/^not a valid wg-quick file: line 2: PrivateKey: private key must be 32 bytes of base64/);
    expect(e.message).toMatch(/line 4: \[Peer\] has no PublicKey/);
    expect(e.message).toMatch(/line 5: AllowedIPs: /);
  });

  it('a key of the wrong length', async () => {
    const short = Buffer.alloc(31, 1).toString('base64');
    const e = await refused(() => caller.peers.create({ networkId: baseId, name: 'k', publicKey: short }));
    expect(e).toEqual({ appCode: 'INVALID_INPUT', message: 'publicKey: public key must be 32 bytes of base64, got 31' });
    const psk = await refused(() => caller.peers.create({ networkId: baseId, name: 'k', presharedKey: Buffer.alloc(33, 1).toString('base64') }));
    expect(psk.message).toBe('presharedKey: preshared key must be 32 bytes of base64, got 33');
  });

  it('a kernel refusal rolls the database back (nothing half-done)', async () => {
    // The port is free when checked but taken by the time the device binds it: the apply fails.
    const before = await snapshot();
    const kernel = s.core.kernel as { udpListeners: (port?: number) => Promise<unknown[]> };
    const real = kernel.udpListeners.bind(kernel);
    kernel.udpListeners = async (port?: number) => (port === BUSY_PORT ? [] : real(port));
    try {
      const e = await caller.networks.create({ name: 'racy', mode: 'gateway', subnet4: '10.186.0.0/24', listenPort: BUSY_PORT }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(TRPCError);
      expect((e as Error).message).toMatch(/^the kernel refused the change, nothing was changed: /);
    } finally {
      kernel.udpListeners = real;
    }
    expect(await snapshot()).toEqual(before);
  });
});
