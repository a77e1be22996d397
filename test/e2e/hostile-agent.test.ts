/**
 * A hostile or broken agent on the far end of a real SSH channel: the desktop core must fail the
 * connect with a clear AGENT_PROTOCOL error, stay up, and keep its memory bounded. Each case
 * plants a fake launcher where the deployment check looks for the agent (beside this bundle's
 * SHA256SUMS, so nothing is redeployed), then connects through the HostManager as the app does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAgentBundle } from '../../src-main/core/agent-deploy.js';
import { labHosts, repoRoot, useLab, type LabHosts, type UsedLab } from '../support/lab-hosts.js';

const bundle = findAgentBundle(path.join(repoRoot, 'dist/agent'));
const MiB = 1024 * 1024;

describe('hostile agent (lab)', () => {
  let used: UsedLab;
  const cores: LabHosts[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    used = await useLab();
  });

  afterAll(async () => {
    for (const c of cores) c.dispose();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await used.release();
  });

  /** A core whose "installed agent" runs `body` for `stdio` (after answering `version` like the real one). */
  function withFakeAgent(name: string, body: string): LabHosts {
    const installDir = path.join(used.status.dir, `agent-install-hostile-${name}`);
    dirs.push(installDir);
    const final = path.join(installDir, `${bundle.version}-${bundle.platform}`);
    fs.mkdirSync(final, { recursive: true });
    fs.writeFileSync(
      path.join(final, 'wgpilot-agent'),
      `#!/bin/sh\nif [ "$1" = version ]; then echo '{"version":"${bundle.version}"}'; exit 0; fi\n${body}\n`,
      { mode: 0o755 },
    );
    // This bundle's SHA256SUMS, so the deployment check takes the fake for the real install.
    fs.copyFileSync(`${bundle.tarballPath}.SHA256SUMS`, path.join(final, 'SHA256SUMS'));
    const c = labHosts(used.status, { remoteAgentDir: installDir });
    cores.push(c);
    return c;
  }

  it('garbage on stdout → AGENT_PROTOCOL, not a hang or a crash', async () => {
    const { hosts } = withFakeAgent('garbage', 'head -c 2000000 /dev/urandom; exec cat >/dev/null');
    const err = await hosts.connect({ alias: 'lab' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AGENT_PROTOCOL' });
    expect((err as Error).message).toMatch(/lines that are not protocol messages/);
    expect(hosts.list()).toEqual([]);
  });

  it('a 100 MB line → AGENT_PROTOCOL at the 16 MiB limit, memory bounded', async () => {
    const { hosts } = withFakeAgent('longline', "head -c 104857600 /dev/zero | tr '\\0' x; exec cat >/dev/null");
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const err = await hosts.connect({ alias: 'lab' }).catch((e: unknown) => e);
    clearInterval(sampler);
    expect(err).toMatchObject({ code: 'AGENT_PROTOCOL' });
    expect((err as Error).message).toMatch(/line longer than 16777216 bytes/);
    expect((peak - before) / MiB).toBeLessThan(100);
  });

  it('an unknown message instead of the hello → AGENT_PROTOCOL naming what came', async () => {
    const { hosts } = withFakeAgent('unknown', `echo '{"surprise":true}'; exec cat >/dev/null`);
    const err = await hosts.connect({ alias: 'lab' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AGENT_PROTOCOL' });
    expect((err as Error).message).toContain('did not start with a hello');
  });

  it('unknown messages after the hello are ignored; the connection keeps working', async () => {
    const hello = { version: bundle.version, protocol: 1, node: '20', platform: 'linux-x64', pid: 1, mode: 'in-process', capabilities: ['system'], user: 'root', uid: 0, privileged: true };
    const { hosts } = withFakeAgent(
      'chatty',
      [
        `echo '${JSON.stringify({ hello })}'`,
        `echo '{"unknown":"message"}'; echo '{"id":424242,"result":{"type":"data","data":1}}'; echo '[1,2,3]'; echo 'plain text'`,
        `read line; echo '{"id":1,"result":{"type":"data","data":"pong"}}'`,
        'exec cat >/dev/null',
      ].join('\n'),
    );
    const info = await hosts.connect({ alias: 'lab' });
    expect(await hosts.agent(info.id)!.system.ping.query()).toBe('pong');
  });
});
