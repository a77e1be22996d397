// @vitest-environment happy-dom
// useHostsStore: the connect flow with its prompts (host key, sudo), state events, profiles.
import { beforeEach, describe, expect, it } from 'vitest';
import { useHostsStore } from '../../../src-renderer/stores/hosts.js';
import { fakeClient, hostError, setupStores, type FakeTree } from './fake-agent.js';

const info = (id: string) => ({ id, label: 'lab', host: '198.18.0.2', port: 22, username: 'root', hostKey: { host: '198.18.0.2', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:k' }, jumpHostKeys: [], agent: { version: '0.1.0' }, deployed: true, privilege: 'root' });

describe('useHostsStore', () => {
  let desktop: FakeTree;
  beforeEach(() => {
    desktop = fakeClient();
    setupStores(fakeClient(), desktop);
  });

  it('asks to trust an unknown key, then connects again with the accepted fingerprint', async () => {
    const hosts = useHostsStore();
    const hostKey = { host: '198.18.0.2', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:k' };
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('unknown host key', 'HOST_KEY_UNKNOWN', { hostKey })).mockImplementationOnce(async (i: { hostId: string }) => info(i.hostId));
    expect(await hosts.connect({ profileId: 'p1' })).toBeNull();
    expect(hosts.prompt).toMatchObject({ kind: 'host-key', hostKey });
    const connected = await hosts.answer('SHA256:k');
    const second = desktop.hosts!.connect.mutate.mock.calls[1]![0] as Record<string, unknown>;
    expect(second).toMatchObject({ profileId: 'p1', acceptHostKey: 'SHA256:k' });
    // Each attempt follows its own host id from the first state event.
    expect(second.hostId).not.toBe((desktop.hosts!.connect.mutate.mock.calls[0]![0] as Record<string, unknown>).hostId);
    expect(hosts.activeHostId).toBe(connected!.id);
    expect(hosts.prompt).toBeNull();
  });

  it('shows a CHANGED key with the keys on file; forgets only those (after the admin checked) and trusts the new one', async () => {
    const hosts = useHostsStore();
    const hostKey = { host: '198.18.0.2', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:new', knownKeys: [{ keyType: 'ssh-rsa', fingerprint: 'SHA256:old', source: '/u/kh:3' }] };
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('changed', 'HOST_KEY_CHANGED', { hostKey })).mockImplementationOnce(async (i: { hostId: string }) => info(i.hostId));
    desktop.hosts!.forgetHostKey.mutate.mockResolvedValueOnce({ removed: ['/u/kh'], remaining: [] });
    expect(await hosts.connect({ alias: 'lab' })).toBeNull();
    expect(hosts.prompt).toMatchObject({ kind: 'host-key-changed', hostKey });
    expect(await hosts.answer('')).not.toBeNull();
    expect(desktop.hosts!.forgetHostKey.mutate.mock.calls[0]![0]).toMatchObject({ alias: 'lab', keyHost: { host: '198.18.0.2', port: 22 }, fingerprints: ['SHA256:old'] });
    expect(desktop.hosts!.connect.mutate.mock.calls[1]![0]).toMatchObject({ alias: 'lab', acceptHostKey: 'SHA256:new' });
  });

  it('keeps the CHANGED prompt, listing where, when keys stay in files the desktop may not change', async () => {
    const hosts = useHostsStore();
    const hostKey = { host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:new', knownKeys: [{ keyType: 'ssh-ed25519', fingerprint: 'SHA256:old', source: '/etc/ssh/ssh_known_hosts:1' }] };
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('changed', 'HOST_KEY_CHANGED', { hostKey }));
    desktop.hosts!.forgetHostKey.mutate.mockResolvedValueOnce({ removed: [], remaining: ['/etc/ssh/ssh_known_hosts:1'] });
    await hosts.connect({ alias: 'lab' });
    expect(await hosts.answer('')).toBeNull();
    expect(hosts.prompt).toMatchObject({ kind: 'host-key-changed', remaining: ['/etc/ssh/ssh_known_hosts:1'] });
    expect(desktop.hosts!.connect.mutate).toHaveBeenCalledTimes(1);
  });

  it('asks for the sudo password and says when it was wrong', async () => {
    const hosts = useHostsStore();
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('sudo needs a password', 'SUDO_PASSWORD_REQUIRED')).mockRejectedValueOnce(hostError('wrong', 'SUDO_PASSWORD_WRONG'));
    await hosts.connect({ alias: 'lab' });
    expect(hosts.prompt).toMatchObject({ kind: 'sudo', wrong: false });
    await hosts.answer('nope');
    expect(desktop.hosts!.connect.mutate.mock.calls[1]![0]).toMatchObject({ alias: 'lab', sudoPassword: 'nope' });
    expect(hosts.prompt).toMatchObject({ kind: 'sudo', wrong: true });
  });

  it('asks to remember a passphrase only where the desktop can keep it', async () => {
    const hosts = useHostsStore();
    desktop.app!.info.query.mockResolvedValue({ version: 't', mode: 'electron', secrets: { persistent: true } });
    desktop.profiles!.list.query.mockResolvedValue([]);
    desktop.hosts!.list.query.mockResolvedValue([]);
    await hosts.hydrate();
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('needs passphrase', 'PASSPHRASE_REQUIRED')).mockRejectedValueOnce(hostError('sudo', 'SUDO_PASSWORD_REQUIRED'));
    await hosts.connect({ profileId: 'p1' });
    await hosts.answer('pp', true);
    expect(desktop.hosts!.connect.mutate.mock.calls[1]![0]).toMatchObject({ passphrase: 'pp', remember: true });
    await hosts.answer('sudo-pw', true);
    // The passphrase's "remember" rides along; the desktop core never stores the sudo password (e2e secrets test).
    expect(desktop.hosts!.connect.mutate.mock.calls[2]![0]).toMatchObject({ sudoPassword: 'sudo-pw', passphrase: 'pp' });
    hosts.secretStorage = { persistent: false, reason: 'basic_text' };
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('needs passphrase', 'PASSPHRASE_REQUIRED'));
    await hosts.connect({ profileId: 'p1' });
    await hosts.answer('pp', true);
    expect(desktop.hosts!.connect.mutate.mock.calls.at(-1)![0]).not.toHaveProperty('remember');
  });

  it('keeps the error of a failed connect on its attempt', async () => {
    const hosts = useHostsStore();
    desktop.hosts!.connect.mutate.mockRejectedValueOnce(hostError('connect ECONNREFUSED', 'CONNECT_FAILED'));
    await hosts.connect({ profileId: 'p2' });
    expect(hosts.attemptFor({ profileId: 'p2' })?.error).toMatchObject({ code: 'CONNECT_FAILED', title: 'The host cannot be reached' });
  });

  it('follows hosts.state: progress, then a disconnect drops the connection', async () => {
    const hosts = useHostsStore();
    desktop.profiles!.list.query.mockResolvedValue([]);
    desktop.hosts!.aliases.query.mockResolvedValue(['lab']);
    desktop.hosts!.list.query.mockResolvedValue([info('h1')]);
    await hosts.hydrate();
    const onData = (desktop.hosts!.state.subscribe.mock.calls[0]![1] as { onData: (e: unknown) => void }).onData;
    onData({ hostId: 'h1', label: 'lab', state: { status: 'deploying', phase: 'uploading', sent: 5, total: 10 } });
    expect(hosts.stateOf('h1')).toMatchObject({ status: 'deploying', sent: 5 });
    expect(hosts.liveIds).toEqual(['h1']);
    onData({ hostId: 'h1', label: 'lab', state: { status: 'disconnected', error: { code: 'AGENT_CLOSED', message: 'gone' } } });
    expect(hosts.connections).toEqual([]);
    expect(hosts.activeHostId).toBeNull();
  });

  it('removes a profile optimistically and restores it when the desktop refuses', async () => {
    const hosts = useHostsStore();
    hosts.profiles = [{ id: 'p1', name: 'lab', host: 'h', port: 22, user: 'root', auth: 'agent' }];
    desktop.profiles!.remove.mutate.mockRejectedValue(hostError('No host profile p1.', 'PROFILE_NOT_FOUND'));
    await hosts.removeProfile('p1');
    expect(hosts.profiles.map((p) => p.id)).toEqual(['p1']);
  });
});
