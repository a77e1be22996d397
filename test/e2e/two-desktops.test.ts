/**
 * Two desktop cores (two HostManagers, as two admins' apps) connected to one agent daemon on the
 * lab host at once: `wgpilot-agent serve` is started over SSH on a state dir in the lab dir, both
 * cores' `stdio` bridge to it, and both receive live `system.clock` events through the agent
 * proxy of the desktop router.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAgent, findAgentBundle } from '../../src-main/core/agent-deploy.js';
import { desktopRouter } from '../../src-main/core/router.js';
import { shellQuote, SshSession } from '../../src-main/core/ssh.js';
import { labHosts, repoRoot, useLab, type LabHosts, type UsedLab } from '../support/lab-hosts.js';
import { until } from '../support/until.js';

describe('two desktops, one daemon (lab)', () => {
  let used: UsedLab;
  let ssh: SshSession;
  let stateDir: string;
  let installDir: string;
  let daemonPid = 0;
  const cores: LabHosts[] = [];

  beforeAll(async () => {
    used = await useLab();
    stateDir = path.join(used.status.dir, 'state-two-desktops');
    installDir = path.join(used.status.dir, 'agent-install-two');
    fs.rmSync(stateDir, { recursive: true, force: true });
    ssh = await SshSession.connect({
      host: used.status.host.address,
      username: 'root',
      privateKeyPath: used.status.host.keyPath,
      appKnownHostsPath: path.join(used.status.dir, 'two-desktops-known_hosts'),
      userKnownHostsPaths: [used.status.host.knownHostsPath],
    });
    const { launcher } = await ensureAgent(ssh, findAgentBundle(path.join(repoRoot, 'dist/agent')), undefined, { installDir });
    const q = shellQuote;
    const r = await ssh.exec(`mkdir -m 700 ${q(stateDir)} && { nohup ${q(launcher)} serve --state-dir ${q(stateDir)} </dev/null >${q(`${stateDir}/serve.log`)} 2>&1 & echo $!; }`);
    daemonPid = Number(r.stdout.trim());
    expect(daemonPid).toBeGreaterThan(0);
    await until(() => fs.existsSync(path.join(stateDir, 'agent.sock')), 15_000, 'the daemon socket');
  });

  afterAll(async () => {
    for (const c of cores) c.dispose();
    if (daemonPid > 0) {
      try {
        process.kill(daemonPid, 'SIGTERM'); // the lab host shares this machine's pid namespace
      } catch {
        /* already gone */
      }
      await until(() => !fs.existsSync(path.join(stateDir, 'agent.sock')), 5_000, 'the daemon to stop').catch(() => process.kill(daemonPid, 'SIGKILL'));
    }
    ssh?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(installDir, { recursive: true, force: true });
    fs.rmSync(path.join(used.status.dir, 'two-desktops-known_hosts'), { force: true });
    await used.release();
  });

  it('both cores connect to the daemon and both receive live system.clock events', async () => {
    const callers = [0, 1].map(() => {
      const c = labHosts(used.status, { remoteAgentDir: installDir, agentArgs: ['--state-dir', stateDir] });
      cores.push(c);
      return desktopRouter.createCaller({ hosts: c.hosts, mode: 'browser', version: 'test' });
    });
    const infos = await Promise.all(callers.map((caller) => caller.hosts.connect({ alias: 'lab' })));
    for (const info of infos) expect(info.agent).toMatchObject({ mode: 'daemon', pid: daemonPid, user: 'root' });

    const ticks = [[], []] as number[][];
    const enough = () => ticks.every((t) => t.length >= 5);
    const streams = callers.map(async (caller, i) => {
      const iter = await caller.agent.subscribe({ hostId: infos[i]!.id, path: 'system.clock', input: { intervalMs: 20 } });
      for await (const tick of iter) {
        ticks[i]!.push((tick as { seq: number }).seq);
        if (enough()) break; // ends the proxied subscription (the generator's return)
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`ticks on both desktops: ${ticks.map((t) => t.length)}`)), 10_000)));
    await Promise.race([Promise.all(streams), late]).finally(() => clearTimeout(timer));
    expect(ticks.map((t) => t.slice(0, 5))).toEqual([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]);
    // Breaking off stopped the subscription on the daemon too.
    const sys = () => callers[0]!.agent.invoke({ hostId: infos[0]!.id, path: 'system.info', type: 'query' }) as Promise<{ pid: number; mode: string; subscriptions: number }>;
    expect(await sys()).toMatchObject({ pid: daemonPid, mode: 'daemon' });
    await until(async () => (await sys()).subscriptions === 0, 5_000, 'the subscriptions to stop');
  });
});
