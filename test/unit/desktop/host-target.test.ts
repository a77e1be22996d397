/** Resolving profiles, aliases and form input into SSH hops (jump hosts first). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../../src-main/core/host-target.js';

let dir: string;
let config: string;
let key: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-target-'));
  key = path.join(dir, 'id_lab');
  fs.writeFileSync(key, 'not really a key');
  config = path.join(dir, 'config');
  fs.writeFileSync(
    config,
    [
      'Host bastion',
      '  HostName 192.0.2.10',
      '  User jumper',
      '  Port 2200',
      `  IdentityFile ${key}`,
      'Host inner',
      '  HostName 10.0.0.5',
      '  User admin',
      '  ProxyJump bastion',
      '  UserKnownHostsFile /tmp/wgp-inner-known',
      '  StrictHostKeyChecking yes',
      'Host keyed',
      '  HostName 192.0.2.20',
      `  IdentityFile ${path.join(dir, 'missing')}`,
      `  IdentityFile ${key}`,
      '',
    ].join('\n'),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = { host: '', port: 22, user: '', auth: 'agent' as const };

describe('resolveTarget', () => {
  it('resolves an alias with ProxyJump into the jump hop (its own config and key) and the target', () => {
    const t = resolveTarget({ ...base, alias: 'inner' }, { sshConfigPath: config });
    expect(t.label).toBe('inner');
    expect(t.hops).toMatchObject([
      { host: '192.0.2.10', port: 2200, username: 'jumper', auth: 'key', privateKeyPath: key },
      { host: '10.0.0.5', port: 22, username: 'admin', auth: 'agent', privateKeyPath: undefined },
    ]);
  });

  it("carries each alias's host-key options on its own hop, and none on a form's hop", () => {
    const t = resolveTarget({ ...base, alias: 'inner' }, { sshConfigPath: config });
    expect(t.hops[0]?.hostKeys).toMatchObject({ userKnownHostsPaths: undefined, strictHostKeyChecking: 'ask' });
    expect(t.hops[1]?.hostKeys).toMatchObject({ userKnownHostsPaths: ['/tmp/wgp-inner-known'], strictHostKeyChecking: 'yes' });
    expect(resolveTarget({ host: '192.0.2.30', port: 22, user: 'root', auth: 'agent' }, { sshConfigPath: config }).hops[0]?.hostKeys).toBeUndefined();
  });

  it('uses the first IdentityFile that exists as the key of an alias', () => {
    const t = resolveTarget({ ...base, alias: 'keyed', user: 'root' }, { sshConfigPath: config });
    expect(t.hops).toMatchObject([{ host: '192.0.2.20', port: 22, username: 'root', auth: 'key', privateKeyPath: key }]);
  });

  it('takes a profile\'s own fields over the alias, and a jump spec with user and port', () => {
    const t = resolveTarget(
      { id: 'p1', name: 'Inner box', host: '10.0.0.6', port: 2022, user: 'ops', auth: 'key', keyPath: '/k', alias: 'inner', jump: 'me@198.51.100.1:2201,bastion' },
      { sshConfigPath: config },
    );
    expect(t).toMatchObject({ label: 'Inner box', profileId: 'p1' });
    expect(t.hops).toMatchObject([
      { host: '198.51.100.1', port: 2201, username: 'me', auth: 'key', privateKeyPath: '/k' },
      { host: '192.0.2.10', port: 2200, username: 'jumper', auth: 'key', privateKeyPath: key },
      { host: '10.0.0.6', port: 2022, username: 'ops', auth: 'key', privateKeyPath: '/k' },
    ]);
  });

  it('takes the form\'s fields as they are when there is no alias', () => {
    const t = resolveTarget({ host: '192.0.2.30', port: 22, user: 'root', auth: 'password' }, { sshConfigPath: config });
    expect(t).toMatchObject({ label: 'root@192.0.2.30', hops: [{ host: '192.0.2.30', username: 'root', auth: 'password' }] });
  });
});
