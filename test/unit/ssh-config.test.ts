// ~/.ssh/config resolution for the options wgpilot honours, checked against `ssh -G` semantics.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSshAliases, parseProxyJump, resolveSshHost } from '../../src-main/core/ssh-config.js';

let home: string;

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'sshcfg-'));
  fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.ssh', 'config'),
    `# personal config
Include conf.d/*.conf
Host vpn vpn-alias
  HostName 203.0.113.10
  User admin
  IdentityFile ~/.ssh/id_vpn
Host *.internal !bastion.internal
  ProxyJump ops@bastion.internal:2222
  IdentitiesOnly yes
Match host foo
  User nobody
Host *
  Port 22
  User fallback
  IdentityFile ~/.ssh/id_%h
`,
  );
  fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'lab.conf'), 'Host lab\n  HostName=198.18.0.2\n  Port 2022\n');
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('ssh config', () => {
  it('resolves HostName, User and accumulates IdentityFile with tokens', () => {
    const r = resolveSshHost('vpn-alias', { home });
    expect(r).toMatchObject({ hostName: '203.0.113.10', port: 22, user: 'admin' });
    expect(r.identityFiles).toEqual([path.join(home, '.ssh/id_vpn'), path.join(home, '.ssh/id_203.0.113.10')]);
  });

  it('first value wins, Includes apply in place, "=" syntax works', () => {
    expect(resolveSshHost('lab', { home })).toMatchObject({ hostName: '198.18.0.2', port: 2022, user: 'fallback' });
  });

  it('matches wildcards and respects negation', () => {
    const db = resolveSshHost('db.internal', { home });
    expect(db.proxyJump).toEqual([{ host: 'bastion.internal', port: 2222, user: 'ops' }]);
    expect(db.identitiesOnly).toBe(true);
    expect(resolveSshHost('bastion.internal', { home }).proxyJump).toEqual([]);
  });

  it('skips Match blocks and says so', () => {
    const r = resolveSshHost('foo', { home });
    expect(r.user).toBe('fallback');
    expect(r.notes.some((n) => n.includes('Match'))).toBe(true);
  });

  it('unknown aliases resolve to themselves', () => {
    expect(resolveSshHost('198.51.100.7', { home })).toMatchObject({ hostName: '198.51.100.7', port: 22 });
  });

  it('parses ProxyJump lists, IPv6 and none', () => {
    expect(parseProxyJump('a, u@b:2200,[2001:db8::1]:22')).toEqual([
      { host: 'a', port: undefined, user: undefined },
      { host: 'b', port: 2200, user: 'u' },
      { host: '2001:db8::1', port: 22, user: undefined },
    ]);
    expect(parseProxyJump('none')).toEqual([]);
  });

  it('lists concrete aliases including those from Includes', () => {
    expect(listSshAliases({ home })).toEqual(['lab', 'vpn', 'vpn-alias']);
  });
});
