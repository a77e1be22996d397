/**
 * The desktop router without a lab: `hosts.state` gives a snapshot and then every change (here
 * of a connect refused on a closed loopback port), errors keep their stable codes, and the
 * agent proxy refuses hosts that are not connected.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostManager, type HostStateEvent } from '../../../src-main/core/hosts.js';
import { appPaths } from '../../../src-main/core/paths.js';
import { desktopRouter } from '../../../src-main/core/router.js';

let dir: string;
let hosts: HostManager;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-router-'));
  hosts = new HostManager(appPaths(dir, { WGPILOT_DATA_DIR: dir }), { sshConfigPath: path.join(dir, 'no-config'), userKnownHostsPaths: [] });
});
afterEach(() => {
  hosts.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('desktop router', () => {
  it('hosts.state reports a connect from connecting to disconnected with the error code', async () => {
    const caller = desktopRouter.createCaller({ hosts, mode: 'browser', version: 'test' });
    const seen: HostStateEvent[] = [];
    const iter = await caller.hosts.state();
    const reading = (async () => {
      for await (const e of iter) {
        seen.push(e);
        if (e.state.status === 'disconnected') break;
      }
    })();
    const port = await closedPort();
    await expect(caller.hosts.connect({ hostId: 'h1', host: '127.0.0.1', port, username: 'root', auth: 'agent' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { code: 'CONNECT_FAILED' },
    });
    await reading;
    expect(seen.map((e) => [e.hostId, e.state.status])).toEqual([['h1', 'connecting'], ['h1', 'disconnected']]);
    expect(seen[1]!.state).toMatchObject({ error: { code: 'CONNECT_FAILED', message: expect.stringContaining(`127.0.0.1:${port}`) } });
    expect(await caller.hosts.list()).toEqual([]);
  });

  it('validates connect input and refuses proxy calls to hosts that are not connected', async () => {
    const caller = desktopRouter.createCaller({ hosts, mode: 'browser', version: 'test' });
    await expect(caller.hosts.connect({ host: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.hosts.connect({ profileId: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND', cause: { code: 'PROFILE_NOT_FOUND' } });
    await expect(caller.agent.invoke({ hostId: 'nope', path: 'system.info', type: 'query' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.agent.invoke({ hostId: 'nope', path: 'not a path', type: 'query' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await caller.hosts.aliases()).toEqual([]);
  });
});
