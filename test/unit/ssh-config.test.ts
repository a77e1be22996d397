// ~/.ssh/config resolution for the options wgpilot honours: through OpenSSH (`ssh -G`), and with
// the parser that stands in where no ssh binary is installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { listSshAliases, parseProxyJump, parseSshHost, resolveSshHost } from '../../src-main/core/ssh-config.js';

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

describe('ssh config (parser)', () => {
  it('resolves HostName, User and accumulates IdentityFile with tokens', () => {
    const r = parseSshHost('vpn-alias', { home });
    expect(r).toMatchObject({ hostName: '203.0.113.10', port: 22, user: 'admin' });
    expect(r.identityFiles).toEqual([path.join(home, '.ssh/id_vpn'), path.join(home, '.ssh/id_203.0.113.10')]);
  });

  it('first value wins, Includes apply in place, "=" syntax works', () => {
    expect(parseSshHost('lab', { home })).toMatchObject({ hostName: '198.18.0.2', port: 2022, user: 'fallback' });
  });

  it('matches wildcards and respects negation', () => {
    const db = parseSshHost('db.internal', { home });
    expect(db.proxyJump).toEqual([{ host: 'bastion.internal', port: 2222, user: 'ops' }]);
    expect(db.identitiesOnly).toBe(true);
    expect(parseSshHost('bastion.internal', { home }).proxyJump).toEqual([]);
  });

  it('skips Match blocks and says so', () => {
    const r = parseSshHost('foo', { home });
    expect(r.user).toBe('fallback');
    expect(r.notes.some((n) => n.includes('Match'))).toBe(true);
  });

  it('unknown aliases resolve to themselves', () => {
    expect(parseSshHost('198.51.100.7', { home })).toMatchObject({ hostName: '198.51.100.7', port: 22 });
  });

  it('parses ProxyJump lists, IPv6 and none', () => {
    expect(parseProxyJump('a, u@b:2200,[2001:db8::1]:22')).toEqual([
      { host: 'a', port: undefined, user: undefined },
      { host: 'b', port: 2200, user: 'u' },
      { host: '2001:db8::1', port: 22, user: undefined },
    ]);
    expect(parseProxyJump('none')).toEqual([]);
  });

  it('reads the host-key options: UserKnownHostsFile, GlobalKnownHostsFile, StrictHostKeyChecking, HostKeyAlias', () => {
    const cfg = path.join(home, 'keys.conf');
    fs.writeFileSync(cfg, 'Host boxed\n  UserKnownHostsFile ~/kh_%h /tmp/kh2\n  GlobalKnownHostsFile none\n  StrictHostKeyChecking accept-new\n  HostKeyAlias box-key\n');
    expect(parseSshHost('boxed', { home, configPath: cfg })).toMatchObject({
      userKnownHostsFiles: [path.join(home, 'kh_boxed'), '/tmp/kh2'],
      globalKnownHostsFiles: [],
      strictHostKeyChecking: 'accept-new',
      hostKeyAlias: 'box-key',
      resolvedBy: 'parser',
    });
    expect(parseSshHost('other', { home, configPath: cfg })).toMatchObject({ userKnownHostsFiles: undefined, strictHostKeyChecking: 'ask', hostKeyAlias: undefined });
  });

  it('lists concrete aliases including those from Includes', () => {
    expect(listSshAliases({ home })).toEqual(['lab', 'vpn', 'vpn-alias']);
  });
});

const hasSsh = spawnSync('ssh', ['-V']).status === 0;

describe.skipIf(!hasSsh)('ssh config (ssh -G)', () => {
  let cfg: string;
  beforeAll(() => {
    cfg = path.join(home, 'g.conf');
    fs.writeFileSync(
      cfg,
      [
        'Host pinned',
        '  HostName 203.0.113.20',
        '  UserKnownHostsFile /tmp/wgp-kh-a /tmp/wgp-kh-b',
        '  GlobalKnownHostsFile none',
        '  StrictHostKeyChecking yes',
        '  HostKeyAlias pinned-key',
        `  IdentityFile ${path.join(home, 'id_pinned')}`,
        'Match host 203.0.113.20',
        '  User matched',
        '  Port 2200',
        'Host plain',
        '  HostName 203.0.113.21',
        '',
      ].join('\n'),
    );
  });

  it('applies Match blocks, which the parser cannot evaluate', () => {
    expect(resolveSshHost('pinned', { configPath: cfg })).toMatchObject({ resolvedBy: 'ssh -G', hostName: '203.0.113.20', user: 'matched', port: 2200 });
  });

  it('reports the host-key options the alias sets', () => {
    expect(resolveSshHost('pinned', { configPath: cfg })).toMatchObject({
      userKnownHostsFiles: ['/tmp/wgp-kh-a', '/tmp/wgp-kh-b'],
      globalKnownHostsFiles: [],
      strictHostKeyChecking: 'yes',
      hostKeyAlias: 'pinned-key',
      identityFiles: [path.join(home, 'id_pinned')],
    });
  });

  it("leaves what the config does not set to the caller (ssh's printed defaults are not taken as settings)", () => {
    expect(resolveSshHost('plain', { configPath: cfg })).toMatchObject({
      hostName: '203.0.113.21',
      port: 22,
      userKnownHostsFiles: undefined,
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      strictHostKeyChecking: 'ask',
      hostKeyAlias: undefined,
      identityFiles: [],
      proxyJump: [],
    });
  });

  it('treats a config path that does not exist as an empty config', () => {
    expect(resolveSshHost('plain', { configPath: path.join(home, 'absent') })).toMatchObject({ resolvedBy: 'ssh -G', hostName: 'plain' });
  });

  it('falls back to the parser where there is no ssh binary', () => {
    expect(resolveSshHost('pinned', { configPath: cfg, sshBinary: path.join(home, 'no-ssh-here') })).toMatchObject({ resolvedBy: 'parser', user: undefined, hostKeyAlias: 'pinned-key' });
  });
});
