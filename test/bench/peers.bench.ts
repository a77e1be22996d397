/**
 * Benchmark: 1,000 peers on one network through the agent's services (database + kernel, keys
 * generated and sealed, addresses allocated, journaled and audited) against `wg set` of the
 * same 1,000 peers on a wireguard-go device of its own; then status of those 1,000 peers
 * (`peers.status`: device read + join with the database) against `wg show <if> dump`.
 *
 * - "one write": `peers.createMany` (one transaction, one UAPI write) vs ONE `wg set` process
 *   carrying all 1,000 peers (keys made beforehand, not timed).
 * - "one by one": 1,000 `peers.create` calls vs 1,000 `wg set` invocations, one peer each.
 * Same run, same machine, one throwaway namespace (removed afterwards). Needs root,
 * wireguard-go, wg and ip. Run alone: `npx tsx test/bench/peers.bench.ts`.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../agent/src/log.js';
import { openHostServices } from '../../agent/src/services/index.js';
import { generateKeyPair } from '../../agent/src/wireguard/keys.js';
import { BenchNetns, median } from './netns.js';
import type { BenchResult } from './run.js';

const exec = promisify(execFile);
const PEERS = 1000;
const STATUS_RUNS = 15;

export async function run(): Promise<BenchResult[]> {
  const ns = new BenchNetns();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-bench-'));
  const prefix = `bp${ns.name.slice(-6)}`;
  const cIf = `${prefix}c`;
  const s = await openHostServices(stateDir, createLogger({ level: 'error' }), { netns: ns.name, interfacePrefix: prefix, reconcileIntervalMs: 0, monitorIntervalMs: 0 });
  try {
    await s.start();
    const a = (await s.networks.create({ name: 'bulk', mode: 'hub-routed', subnet4: '10.100.0.0/20', endpointHost: '198.18.0.1' }, 'bench')).network;
    const b = (await s.networks.create({ name: 'single', mode: 'hub-routed', subnet4: '10.101.0.0/20', endpointHost: '198.18.0.1' }, 'bench')).network;

    // The C tool's device: wireguard-go (daemon mode) in the same namespace, keyed and listening.
    execFileSync('ip', ['netns', 'exec', ns.name, 'wireguard-go', cIf]);
    const keyFile = path.join(stateDir, 'c.key');
    fs.writeFileSync(keyFile, generateKeyPair().privateKey.toBase64(), { mode: 0o600 });
    execFileSync('ip', ['netns', 'exec', ns.name, 'wg', 'set', cIf, 'private-key', keyFile, 'listen-port', '51999']);
    const cKeys = Array.from({ length: PEERS }, () => generateKeyPair().publicKey.toBase64());
    const addr = (i: number) => `10.102.${i >> 8}.${i & 255}/32`;

    // One write: createMany vs one `wg set` with all peers.
    const inputs = Array.from({ length: PEERS }, (_, i) => ({ name: `bulk-${i}`, persistentKeepalive: 25 }));
    let t0 = performance.now();
    await s.peers.createMany(a.id, inputs, 'bench');
    const oursBulk = performance.now() - t0;
    const argv = ['netns', 'exec', ns.name, 'wg', 'set', cIf, ...cKeys.flatMap((k, i) => ['peer', k, 'persistent-keepalive', '25', 'allowed-ips', addr(i)])];
    t0 = performance.now();
    await exec('ip', argv, { maxBuffer: 1 << 26 });
    const cBulk = performance.now() - t0;

    // One by one: 1,000 creates vs 1,000 `wg set` processes.
    t0 = performance.now();
    for (let i = 0; i < PEERS; i++) await s.peers.create(b.id, { name: `one-${i}`, persistentKeepalive: 25 }, 'bench');
    const oursSingle = performance.now() - t0;
    execFileSync('ip', ['netns', 'exec', ns.name, 'wg', 'set', cIf, ...cKeys.flatMap((k) => ['peer', k, 'remove'])]);
    t0 = performance.now();
    for (let i = 0; i < PEERS; i++) await exec('ip', ['netns', 'exec', ns.name, 'wg', 'set', cIf, 'peer', cKeys[i] ?? '', 'persistent-keepalive', '25', 'allowed-ips', addr(i)]);
    const cSingle = performance.now() - t0;

    // Status of 1,000 peers vs `wg show <if> dump` (whole process).
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < STATUS_RUNS; r++) {
      t0 = performance.now();
      const st = await s.peers.status(a.id);
      ours.push(performance.now() - t0);
      if (st.length !== PEERS || !st.every((p) => p.inDevice)) throw new Error('status does not see all peers');
      theirs.push(ns.time(['ip', 'netns', 'exec', ns.name, 'wg', 'show', a.interface, 'dump']));
    }
    return [
      { name: 'create 1,000 peers, one write (createMany vs 1 wg set)', ours: oursBulk, cTool: cBulk, note: 'ours: DB+keys+seal+IPAM+journal+audit+UAPI; wg: one process, keys pre-made' },
      { name: 'create 1,000 peers one by one (peers.create vs wg set ×1000)', ours: oursSingle, cTool: cSingle, note: '1,000 wg set invocations' },
      { name: 'status of 1,000 peers (peers.status vs wg show dump)', ours: median(ours), cTool: median(theirs), limit: 50, note: `median of ${STATUS_RUNS}; limit 50 ms absolute` },
    ];
  } finally {
    await s.close();
    for (const pid of execFileSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    ns.destroy();
    for (const f of fs.readdirSync('/var/run/wireguard').filter((f) => f.startsWith(prefix))) fs.rmSync(path.join('/var/run/wireguard', f), { force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await run()) console.log(`${r.name}: ours ${r.ours.toFixed(1)} ms, C tool ${r.cTool?.toFixed(1)} ms, ratio ${((r.ours / (r.cTool ?? 1))).toFixed(2)}`);
}
