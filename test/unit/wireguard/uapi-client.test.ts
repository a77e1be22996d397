/**
 * UapiClient socket behaviour against in-process unix-socket servers: replies split across
 * chunks, errno translation, timeouts, early close, missing and stale sockets, listing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WireGuardError } from '../../../agent/src/wireguard/errors.js';
import { Key } from '../../../agent/src/wireguard/keys.js';
import { UapiClient } from '../../../agent/src/wireguard/uapi.js';
import { textFixture } from '../../support/wireguard/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'wgpilot-uapi-'));
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** serve answers each request (a string ending in "\n\n") with handler's reply. */
async function serve(name: string, handler: (request: string, c: Socket) => void): Promise<string[]> {
  const requests: string[] = [];
  const server = createServer((c) => {
    let buf = '';
    c.on('data', (d) => {
      buf += d;
      if (buf.endsWith('\n\n')) {
        requests.push(buf);
        handler(buf, c);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(join(dir, `${name}.sock`), r));
  return requests;
}

const client = new UapiClient({ socketDir: dir, timeoutMs: 300 });

describe('UapiClient', () => {
  it('reads a device whose reply arrives one byte at a time', async () => {
    const reply = textFixture('uapi-get-configured.txt');
    const requests = await serve('wgu0', (_req, c) => {
      let i = 0;
      const tick = (): void => {
        if (i < reply.length) {
          c.write(reply.slice(i, i + 7));
          i += 7;
          setImmediate(tick);
        } else c.end();
      };
      tick();
    });
    const d = await client.get('wgu0');
    expect(requests).toEqual(['get=1\n\n']);
    expect(d.peers).toHaveLength(2);
    expect(d.listenPort).toBe(51820);
  });

  it('sends the encoded set request and accepts errno=0', async () => {
    const requests = await serve('wgu1', (_r, c) => c.end('errno=0\n\n'));
    await client.set('wgu1', { listenPort: 1, peers: [{ publicKey: Key.fromHex('22'.repeat(32)), remove: true }] });
    expect(requests).toEqual([`set=1\nlisten_port=1\npublic_key=${'22'.repeat(32)}\nremove=true\n\n`]);
  });

  it('turns errno=-22 into WireGuardError EINVAL', async () => {
    await serve('wgu2', (_r, c) => c.end(textFixture('uapi-set-einval.txt')));
    const err = await client.set('wgu2', { listenPort: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireGuardError);
    expect(err).toMatchObject({ device: 'wgu2', op: 'configure', errno: 22, code: 'EINVAL' });
    expect((err as Error).message).toMatch(/lines before the bad one stay applied/);
  });

  it('turns a refused get into WireGuardError with its errno', async () => {
    await serve('wgu3', (_r, c) => c.end('errno=-19\n\n'));
    await expect(client.get('wgu3')).rejects.toMatchObject({ op: 'device', code: 'ENODEV' });
  });

  it('times out on a daemon that never answers (ETIMEDOUT)', async () => {
    await serve('wgu4', () => undefined);
    await expect(client.get('wgu4')).rejects.toMatchObject({ code: 'ETIMEDOUT', op: 'device' });
  });

  it('reports a connection closed before the reply ends (EPROTO)', async () => {
    await serve('wgu5', (_r, c) => c.end('listen_port=1\n'));
    await expect(client.get('wgu5')).rejects.toMatchObject({ code: 'EPROTO' });
  });

  it('reports a malformed reply as EPROTO with the parser error as cause', async () => {
    await serve('wgu6', (_r, c) => c.end('private_key=zz\nerrno=0\n\n'));
    const err = (await client.get('wgu6').catch((e: unknown) => e)) as WireGuardError;
    expect(err.code).toBe('EPROTO');
    expect((err.cause as Error).name).toBe('UapiProtocolError');
  });

  it('reports a missing socket as ENOENT and a stale one as ECONNREFUSED', async () => {
    await expect(client.get('wgnone')).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/no UAPI socket/) });
    // A socket file nobody listens on: bind, then close the listener without unlinking.
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(join(dir, 'wgstale.sock'))}, () => process.exit(0))`]);
    await expect(client.get('wgstale')).rejects.toMatchObject({ code: 'ECONNREFUSED', message: expect.stringMatching(/stale UAPI socket/) });
  });

  it('lists only sockets named <name>.sock', async () => {
    await serve('wgl0', () => undefined);
    writeFileSync(join(dir, 'notasocket.sock'), '');
    writeFileSync(join(dir, 'other.txt'), '');
    const names = await client.list();
    expect(names).toContain('wgl0');
    expect(names).not.toContain('notasocket');
    expect(names).not.toContain('other');
    expect(await new UapiClient({ socketDir: join(dir, 'missing') }).list()).toEqual([]);
  });

  it('rejects interface names that would escape the socket directory', () => {
    expect(() => client.socketPath('../etc')).toThrow(/invalid interface name/);
    expect(() => client.socketPath('a'.repeat(16))).toThrow(/longer than 15/);
  });
});
