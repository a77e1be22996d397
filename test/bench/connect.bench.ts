/**
 * Benchmark: connecting a host through the desktop core (HostManager.connect: SSH handshake and
 * host-key check, deployment check, `wgpilot-agent stdio` started, hello read), on a lab of its
 * own ('wgc', block 19) that it brings up and takes down.
 *
 * 1. Connect to ready with the agent already installed: median of RUNS connects (target 1.5 s).
 * 2. First deployment (install dir emptied before each run: upload of the ~38 MB bundle with its
 *    Node runtime, sha256 on the host, unpack, version check, start): median of DEPLOY_RUNS
 *    (target 10 s).
 *
 * Run alone: `npx tsx test/bench/connect.bench.ts` (root; needs a built agent bundle).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Lab } from '../lab/lab.js';
import { labHosts } from '../support/lab-hosts.js';
import type { BenchResult } from './run.js';

const RUNS = 7;
const DEPLOY_RUNS = 3;
const LIMIT_CONNECT_MS = 1_500;
const LIMIT_DEPLOY_MS = 10_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult[]> {
  const lab = new Lab({ name: 'wgc', block: 19, peers: 0 });
  try {
    const status = await lab.up();
    const installDir = path.join(status.dir, 'agent-install');
    const core = labHosts(status, { remoteAgentDir: installDir });
    const connectOnce = async () => {
      const t0 = performance.now();
      const info = await core.hosts.connect({ alias: 'lab' });
      const ms = performance.now() - t0;
      core.hosts.disconnect(info.id);
      return { ms, deployed: info.deployed };
    };
    try {
      const deploys: number[] = [];
      for (let i = 0; i < DEPLOY_RUNS; i++) {
        fs.rmSync(installDir, { recursive: true, force: true });
        const r = await connectOnce();
        if (!r.deployed) throw new Error('expected a deployment');
        deploys.push(r.ms);
      }
      const connects: number[] = [];
      for (let i = 0; i < RUNS; i++) connects.push((await connectOnce()).ms);
      const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
      return [
        { name: 'connect to ready, agent installed (median)', ours: median(connects), limit: LIMIT_CONNECT_MS, note: `runs ${fmt(connects)} ms` },
        { name: 'first deployment + connect (median)', ours: median(deploys), limit: LIMIT_DEPLOY_MS, note: `runs ${fmt(deploys)} ms` },
      ];
    } finally {
      core.dispose();
    }
  } finally {
    await lab.down();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) console.log(`${r.name}: ${r.ours.toFixed(0)} ms (limit ${r.limit} ms) — ${r.note ?? ''}`);
}
