// db/networks.ts and db/peers.ts: domain objects in and out, constraint failures as typed
// errors with messages that name what is in the way, cascades, and address allocation.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepositories, openAndMigrate } from '../../../agent/src/db/index.js';
import { IpamError } from '../../../agent/src/domain/ipam.js';
import { box, catchDb, freshDb, key, networkInput, tempDir } from './helpers.js';

describe('NetworksRepo', () => {
  it('round-trips a network as a domain object without its private key', () => {
    const { repos, clock } = freshDb();
    const n = repos.networks.create(networkInput({ mtu: 1412, uplinkInterface: 'eth0' }));
    expect(n).toEqual({
      id: 1,
      name: 'office',
      interface: 'wg0',
      mode: 'gateway',
      subnet4: '10.8.0.0/24',
      subnet6: 'fd42:42:42::/64',
      address4: '10.8.0.1',
      address6: 'fd42:42:42::1',
      listenPort: 51820,
      publicKey: 'CP4XsP8XobMSUTnBAy+2qMXC/uMsBXwY7ZMmWx0ZJgU=',
      dns: ['10.8.0.1'],
      mtu: 1412,
      endpointHost: 'vpn.example.net',
      uplinkInterface: 'eth0',
      routingTable: 0,
      firewallMark: 0,
      enabled: true,
      createdAt: clock.now,
      updatedAt: clock.now,
    });
    expect(JSON.stringify(n)).not.toMatch(/private|v1:/i);
    expect(repos.networks.get(1)).toEqual(n);
    expect(repos.networks.getByName('OFFICE')).toEqual(n);
    expect(repos.networks.getByInterface('wg0')).toEqual(n);
    expect(box.openText(repos.networks.sealedPrivateKey(1))).toBe('QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=');
  });

  it('defaults MTU to 1420 and stores an IPv6-only network', () => {
    const { repos } = freshDb();
    const n = repos.networks.create(networkInput({ subnet4: null, address4: null, mtu: undefined }));
    expect(n).toMatchObject({ mtu: 1420, subnet4: null, address4: null, subnet6: 'fd42:42:42::/64' });
  });

  it('updates a patch, keeps the rest, and moves updated_at', () => {
    const { repos, clock } = freshDb();
    const n = repos.networks.create(networkInput());
    clock.advance(60_000);
    const u = repos.networks.update(n.id, { mtu: 1380, enabled: false, endpointHost: undefined, dns: [] });
    expect(u).toEqual({ ...n, mtu: 1380, enabled: false, dns: [], updatedAt: clock.now });
    expect(u.createdAt).toEqual(n.createdAt);
  });

  it.each([
    ['listen port', { name: 'lab', interface: 'wg1' }, 'conflict', "listen port 51820 is already used by network 'office'"],
    ['name, case-insensitively', { name: 'Office', interface: 'wg1', listenPort: 51821 }, 'conflict', "a network named 'Office' already exists"],
    ['interface', { name: 'lab', listenPort: 51821 }, 'conflict', "interface wg0 is already used by network 'office'"],
    ['MTU', { name: 'lab', interface: 'wg1', listenPort: 51821, mtu: 100 }, 'invalid', 'MTU must be 1280..9000, got 100'],
    ['no subnet', { name: 'lab', interface: 'wg1', listenPort: 51821, subnet4: null, address4: null, subnet6: null, address6: null }, 'invalid', 'a network needs an IPv4 or an IPv6 subnet (or both)'],
    ['mode', { name: 'lab', interface: 'wg1', listenPort: 51821, mode: 'mesh' as never }, 'invalid', 'mode must be gateway, site-to-site or hub-routed'],
  ])('refuses a duplicate or invalid %s with a typed error', (_what, over, code, message) => {
    const { repos } = freshDb();
    repos.networks.create(networkInput());
    const err = catchDb(() => repos.networks.create(networkInput(over)));
    expect(err).toMatchObject({ code, table: 'networks', message });
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('names the owner on update conflicts too', () => {
    const { repos } = freshDb();
    repos.networks.create(networkInput());
    const lab = repos.networks.create(networkInput({ name: 'lab', interface: 'wg1', listenPort: 51821 }));
    expect(() => repos.networks.update(lab.id, { listenPort: 51820 })).toThrow("listen port 51820 is already used by network 'office'");
  });

  it('not-found on a missing id', () => {
    const { repos } = freshDb();
    expect(repos.networks.get(7)).toBeUndefined();
    expect(catchDb(() => repos.networks.update(7, { mtu: 1400 }))).toMatchObject({ code: 'not-found', message: 'network 7 not found' });
    expect(catchDb(() => repos.networks.delete(7)).code).toBe('not-found');
    expect(catchDb(() => repos.networks.sealedPrivateKey(7)).code).toBe('not-found');
  });

  it('rotates the key pair', () => {
    const { repos } = freshDb();
    const n = repos.networks.create(networkInput());
    repos.networks.setPrivateKey(n.id, box.seal('new'), key(9));
    expect(repos.networks.get(n.id)?.publicKey).toBe(key(9));
    expect(box.openText(repos.networks.sealedPrivateKey(n.id))).toBe('new');
  });

  it('deleting a network cascades to peers, bridges, alert rules and snapshots, and orphans its interface claim', () => {
    const { repos } = freshDb();
    const a = repos.networks.create(networkInput());
    const b = repos.networks.create(networkInput({ name: 'lab', interface: 'wg1', listenPort: 51821, subnet4: '10.9.0.0/24', address4: '10.9.0.1', subnet6: null, address6: null }));
    const p = repos.peers.createAllocating({ name: 'alice', publicKey: key(1), privateKeySealed: null }, a);
    repos.bridges.create({ networkAId: a.id, networkBId: b.id });
    repos.alertRules.create({ condition: { type: 'interface_down' }, networkId: a.id });
    repos.snapshots.insert([{ peerId: p.id, resolution: 'raw', ts: new Date(0), rxBytes: 1, txBytes: 1 }]);
    repos.ownedInterfaces.claim('wg0', a.id);
    repos.networks.delete(a.id);
    expect(repos.peers.list()).toEqual([]);
    expect(repos.bridges.list()).toEqual([]);
    expect(repos.alertRules.list()).toEqual([]);
    expect(repos.snapshots.all()).toEqual([]);
    expect(repos.ownedInterfaces.list()).toEqual([{ name: 'wg0', networkId: null, createdAt: expect.any(Date) }]);
  });
});

describe('PeersRepo', () => {
  const setup = () => {
    const t = freshDb();
    const net = t.repos.networks.create(networkInput());
    return { ...t, net };
  };

  it('round-trips a peer as a domain object', () => {
    const { repos, net, clock } = setup();
    const expires = new Date('2027-01-01T00:00:00Z');
    const p = repos.peers.create({
      networkId: net.id,
      name: 'branch',
      email: 'ops@example.org',
      role: 'site-gateway',
      address4: '10.8.0.4',
      publicKey: key(1),
      privateKeySealed: box.seal('priv'),
      presharedKeySealed: box.seal('psk'),
      siteNetworks: ['192.168.50.0/24'],
      allowedIps: ['10.0.0.0/8'],
      endpoint: 'branch.example.org:51820',
      persistentKeepalive: 25,
      bandwidthUpKbps: 10_000,
      bandwidthDownKbps: 50_000,
      expiresAt: expires,
    });
    expect(p).toEqual({
      id: 1,
      networkId: net.id,
      name: 'branch',
      email: 'ops@example.org',
      role: 'site-gateway',
      address4: '10.8.0.4',
      address6: null,
      publicKey: key(1),
      hasPrivateKey: true,
      hasPresharedKey: true,
      siteNetworks: ['192.168.50.0/24'],
      allowedIps: ['10.0.0.0/8'],
      endpoint: 'branch.example.org:51820',
      persistentKeepalive: 25,
      bandwidthUpKbps: 10_000,
      bandwidthDownKbps: 50_000,
      enabled: true,
      expiresAt: expires,
      createdAt: clock.now,
      updatedAt: clock.now,
    });
    expect(repos.peers.get(p.id)).toEqual(p);
    const s = repos.peers.secrets(p.id);
    expect([box.openText(s.privateKey!), box.openText(s.presharedKey!)]).toEqual(['priv', 'psk']);
  });

  it('stores an imported peer without a private key', () => {
    const { repos, net } = setup();
    const p = repos.peers.create({ networkId: net.id, name: 'imported', address4: '10.8.0.9', publicKey: key(2), privateKeySealed: null });
    expect(p).toMatchObject({ hasPrivateKey: false, hasPresharedKey: false, allowedIps: null, siteNetworks: [] });
    expect(repos.peers.secrets(p.id)).toEqual({ privateKey: null, presharedKey: null });
  });

  it.each([
    ['address', { name: 'bob', publicKey: key(2) }, "address 10.8.0.2 is already used by peer 'alice' in network 'office'"],
    ['name', { name: 'ALICE', publicKey: key(2), address4: '10.8.0.3' }, "network 'office' already has a peer named 'ALICE'"],
    ['public key', { name: 'bob', address4: '10.8.0.3' }, "public key AQEBAQEB… is already used by peer 'alice' in network 'office'"],
  ])('refuses a duplicate %s in the same network', (_what, over, message) => {
    const { repos, net } = setup();
    repos.peers.create({ networkId: net.id, name: 'alice', address4: '10.8.0.2', publicKey: key(1), privateKeySealed: null });
    const clash = { networkId: net.id, name: 'alice', address4: '10.8.0.2', publicKey: key(1), privateKeySealed: null };
    const err = catchDb(() => repos.peers.create({ ...clash, ...over }));
    expect(err).toMatchObject({ code: 'conflict', table: 'peers', message });
  });

  it('allows the same address, name and key in another network', () => {
    const { repos, net } = setup();
    const lab = repos.networks.create(networkInput({ name: 'lab', interface: 'wg1', listenPort: 51821 }));
    repos.peers.create({ networkId: net.id, name: 'alice', address4: '10.8.0.2', publicKey: key(1), privateKeySealed: null });
    expect(repos.peers.create({ networkId: lab.id, name: 'alice', address4: '10.8.0.2', publicKey: key(1), privateKeySealed: null }).networkId).toBe(lab.id);
  });

  it('refuses a peer of a missing network, and invalid values', () => {
    const { repos } = setup();
    expect(catchDb(() => repos.peers.create({ networkId: 99, name: 'x', address4: '10.8.0.2', publicKey: key(1), privateKeySealed: null }))).toMatchObject({
      code: 'invalid',
      message: 'network 99 does not exist',
    });
    expect(catchDb(() => repos.peers.create({ networkId: 1, name: 'x', publicKey: key(1), privateKeySealed: null })).message).toBe(
      'a peer needs an IPv4 or an IPv6 address (or both)',
    );
    expect(catchDb(() => repos.peers.create({ networkId: 1, name: 'x', address4: '10.8.0.2', publicKey: key(1), privateKeySealed: null, persistentKeepalive: 70_000 })).message).toBe(
      'persistent keepalive must be 0..65535 seconds, got 70000',
    );
  });

  it('allocates the first free addresses of both families, explicit ones win', () => {
    const { repos, net } = setup();
    const mk = (name: string, n: number, over = {}) => repos.peers.createAllocating({ name, publicKey: key(n), privateKeySealed: null, ...over }, net);
    expect([mk('a', 1), mk('b', 2)].map((p) => [p.address4, p.address6])).toEqual([
      ['10.8.0.2', 'fd42:42:42::2'],
      ['10.8.0.3', 'fd42:42:42::3'],
    ]);
    expect(mk('c', 3, { address4: '10.8.0.50' })).toMatchObject({ address4: '10.8.0.50', address6: 'fd42:42:42::4' });
    repos.peers.delete(1);
    expect(mk('d', 4)).toMatchObject({ address4: '10.8.0.2', address6: 'fd42:42:42::2' });
  });

  it('two connections to the same file never allocate the same address', () => {
    const file = path.join(tempDir(), 'agent.db');
    const a = openAndMigrate(file);
    const b = openAndMigrate(file);
    try {
      const ra = createRepositories(a.db);
      const rb = createRepositories(b.db);
      const net = ra.networks.create(networkInput());
      const got: string[] = [];
      for (let i = 0; i < 20; i++) {
        const repos = i % 2 === 0 ? ra : rb;
        got.push(repos.peers.createAllocating({ name: `p${i}`, publicKey: key(i + 1), privateKeySealed: null }, net).address4 ?? '');
      }
      expect(new Set(got).size).toBe(20);
      expect(got[19]).toBe('10.8.0.21');
    } finally {
      a.db.close();
      b.db.close();
    }
  });

  it('reports a full pool as an IpamError and inserts nothing', () => {
    const { repos } = freshDb();
    const tiny = repos.networks.create(networkInput({ subnet4: '10.7.0.0/30', address4: '10.7.0.1', subnet6: null, address6: null }));
    repos.peers.createAllocating({ name: 'only', publicKey: key(1), privateKeySealed: null }, tiny);
    expect(() => repos.peers.createAllocating({ name: 'one-too-many', publicKey: key(2), privateKeySealed: null }, tiny)).toThrow(IpamError);
    expect(repos.peers.listByNetwork(tiny.id).map((p) => p.name)).toEqual(['only']);
  });

  it('updates, lists expired peers, replaces keys', () => {
    const { repos, net, clock } = setup();
    const p = repos.peers.createAllocating({ name: 'alice', publicKey: key(1), privateKeySealed: null, expiresAt: new Date(clock.now.getTime() - 1) }, net);
    expect(repos.peers.expiredButEnabled(clock.now).map((x) => x.id)).toEqual([p.id]);
    const u = repos.peers.update(p.id, { enabled: false, siteNetworks: ['192.168.1.0/24'], allowedIps: null });
    expect(u).toMatchObject({ enabled: false, siteNetworks: ['192.168.1.0/24'], allowedIps: null, address4: '10.8.0.2' });
    expect(repos.peers.expiredButEnabled(clock.now)).toEqual([]);
    repos.peers.setKeys(p.id, { publicKey: key(5), privateKey: box.seal('k'), presharedKey: null });
    expect(repos.peers.get(p.id)).toMatchObject({ publicKey: key(5), hasPrivateKey: true, hasPresharedKey: false });
    expect(repos.peers.getByPublicKey(net.id, key(5))?.id).toBe(p.id);
  });
});
