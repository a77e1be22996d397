// The smaller repositories: bridges, transfer snapshots (incl. compaction against the pure
// reference), audit log, alerts, settings, and the kernel bookkeeping tables.
import { describe, expect, it } from 'vitest';
import { DbError } from '../../../agent/src/db/errors.js';
import { REDACTED } from '../../../agent/src/db/audit.js';
import {
  DAY_MS,
  HOUR_MS,
  applyCompactionInMemory,
  planCompaction,
  type TransferSnapshot,
} from '../../../agent/src/domain/snapshots.js';
import { rng } from '../../support/prng.js';
import { freshDb, key, networkInput } from './helpers.js';

function twoNetworks() {
  const t = freshDb();
  const a = t.repos.networks.create(networkInput());
  const b = t.repos.networks.create(networkInput({ name: 'lab', interface: 'wg1', listenPort: 51821, subnet4: '10.9.0.0/24', address4: '10.9.0.1', subnet6: null, address6: null }));
  return { ...t, a, b };
}

describe('BridgesRepo', () => {
  it('round-trips and updates a bridge', () => {
    const { repos, a, b, clock } = twoNetworks();
    const br = repos.bridges.create({ networkAId: a.id, networkBId: b.id, direction: 'a_to_b', allowedCidrs: ['10.9.0.0/24'] });
    expect(br).toEqual({ id: 1, networkAId: a.id, networkBId: b.id, direction: 'a_to_b', allowedCidrs: ['10.9.0.0/24'], enabled: true, createdAt: clock.now, updatedAt: clock.now });
    clock.advance(1000);
    expect(repos.bridges.update(br.id, { enabled: false })).toEqual({ ...br, enabled: false, updatedAt: clock.now });
    expect(repos.bridges.listForNetwork(b.id)).toHaveLength(1);
  });

  it('refuses the same pair in reverse, a self-bridge and a missing network', () => {
    const { repos, a, b } = twoNetworks();
    repos.bridges.create({ networkAId: a.id, networkBId: b.id });
    expect(() => repos.bridges.create({ networkAId: b.id, networkBId: a.id })).toThrow("networks 'lab' and 'office' are already bridged");
    expect(() => repos.bridges.create({ networkAId: a.id, networkBId: a.id })).toThrow('a bridge connects two different networks');
    expect(() => repos.bridges.create({ networkAId: a.id, networkBId: 42 })).toThrow('network 42 does not exist');
  });
});

describe('SnapshotsRepo', () => {
  function withPeers(n: number) {
    const t = freshDb();
    const net = t.repos.networks.create(networkInput());
    const peers = Array.from({ length: n }, (_, i) => t.repos.peers.createAllocating({ name: `p${i}`, publicKey: key(i + 1), privateKeySealed: null }, net));
    return { ...t, peers };
  }

  it('stores samples, sums duplicates, answers ranges and totals', () => {
    const { repos, peers } = withPeers(1);
    const id = peers[0]!.id;
    const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s));
    repos.snapshots.insert([
      { peerId: id, resolution: 'raw', ts: at(0), rxBytes: 100, txBytes: 10 },
      { peerId: id, resolution: 'raw', ts: at(30), rxBytes: 200, txBytes: 20 },
      { peerId: id, resolution: 'raw', ts: at(30), rxBytes: 1, txBytes: 1 },
    ]);
    expect(repos.snapshots.range(id, at(0), at(31))).toEqual([
      { peerId: id, resolution: 'raw', ts: at(0), rxBytes: 100, txBytes: 10 },
      { peerId: id, resolution: 'raw', ts: at(30), rxBytes: 201, txBytes: 21 },
    ]);
    expect(repos.snapshots.range(id, at(1), at(31), 'hourly')).toEqual([]);
    expect(repos.snapshots.totals(id, at(0), at(60))).toEqual({ rxBytes: 301, txBytes: 31 });
  });

  it('refuses samples of an unknown peer, all or nothing', () => {
    const { repos, peers } = withPeers(1);
    const ok = { peerId: peers[0]!.id, resolution: 'raw' as const, ts: new Date(0), rxBytes: 1, txBytes: 1 };
    expect(() => repos.snapshots.insert([ok, { ...ok, peerId: 99 }])).toThrow('peer 99 does not exist');
    expect(repos.snapshots.all()).toEqual([]);
  });

  it('compaction in SQL equals the pure reference on random data', () => {
    const r = rng(0xc0ffee);
    for (let round = 0; round < 5; round++) {
      const { repos, peers } = withPeers(3);
      const now = new Date(Date.UTC(2026, 10, 25, r.int(0, 23), r.int(0, 59), r.int(0, 59)));
      const rows = new Map<string, TransferSnapshot>();
      for (let k = 0; k < 400; k++) {
        const resolution = r.pick(['raw', 'raw', 'hourly', 'daily'] as const);
        const span = { raw: 3 * DAY_MS, hourly: 45 * DAY_MS, daily: 400 * DAY_MS }[resolution];
        const step = { raw: 30_000, hourly: HOUR_MS, daily: DAY_MS }[resolution];
        const ts = new Date(Math.floor((now.getTime() - r.int(0, span)) / step) * step);
        const row = { peerId: r.pick(peers).id, resolution, ts, rxBytes: r.int(0, 1e9), txBytes: r.int(0, 1e9) };
        rows.set(`${row.peerId}|${resolution}|${ts.getTime()}`, row);
      }
      repos.snapshots.insert([...rows.values()]);
      const result = repos.snapshots.compact(now);
      const expected = applyCompactionInMemory([...rows.values()], planCompaction(now));
      expect(repos.snapshots.all(), `round ${round}`).toEqual(expected);
      expect(result.rolledUp + result.deleted).toBeGreaterThan(0);
      expect(repos.snapshots.compact(now)).toEqual({ rolledUp: 0, deleted: 0 });
    }
  });
});

describe('AuditRepo', () => {
  it('records who did what, redacts secrets, pages newest first', () => {
    const { repos, clock } = freshDb();
    const e = repos.audit.record({
      user: 'chris',
      action: 'peer.create',
      resourceType: 'peer',
      resourceId: 5,
      after: { name: 'alice', privateKey: 'SECRET', presharedKeySealed: 'v1:abc', nested: { private_key_enc: 'x', publicKey: key(1) }, hasPrivateKey: true, secret: { toJSON: () => 'raw' }, at: new Date(0) },
    });
    expect(e).toEqual({
      id: 1,
      ts: clock.now,
      user: 'chris',
      action: 'peer.create',
      resourceType: 'peer',
      resourceId: '5',
      before: null,
      after: { name: 'alice', privateKey: REDACTED, presharedKeySealed: REDACTED, nested: { private_key_enc: REDACTED, publicKey: key(1) }, hasPrivateKey: true, secret: REDACTED, at: '1970-01-01T00:00:00.000Z' },
    });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      repos.audit.record({ user: 'system', action: 'reconcile.fix', resourceType: 'network', resourceId: 1, before: { mtu: 1500 }, after: { mtu: 1420 } });
    }
    const page1 = repos.audit.list({ limit: 2 });
    expect(page1.map((x) => x.id)).toEqual([6, 5]);
    expect(repos.audit.list({ limit: 2, beforeId: 5 }).map((x) => x.id)).toEqual([4, 3]);
    expect(repos.audit.list({ resourceType: 'peer', resourceId: 5 }).map((x) => x.id)).toEqual([1]);
    expect(repos.audit.prune(new Date(clock.now.getTime() - 2500))).toBe(3);
    expect(repos.audit.list().map((x) => x.id)).toEqual([6, 5, 4]);
  });
});

describe('AlertRulesRepo / AlertEventsRepo', () => {
  it('round-trips each rule type and fires at most one open event per resource', () => {
    const { repos, clock } = freshDb();
    const offline = repos.alertRules.create({ condition: { type: 'peer_offline', offlineSeconds: 600 } });
    const spike = repos.alertRules.create({ condition: { type: 'transfer_spike', bytesPerHour: 1e9 }, notify: { desktop: false, webhook: 'https://hooks.example/x' } });
    const down = repos.alertRules.create({ condition: { type: 'interface_down' } });
    expect(repos.alertRules.list().map((r) => [r.condition, r.notify])).toEqual([
      [{ type: 'peer_offline', offlineSeconds: 600 }, { desktop: true }],
      [{ type: 'transfer_spike', bytesPerHour: 1e9 }, { desktop: false, webhook: 'https://hooks.example/x' }],
      [{ type: 'interface_down' }, { desktop: true }],
    ]);
    expect(repos.alertRules.setEnabled(spike.id, false).enabled).toBe(false);
    const first = repos.alertEvents.fire({ ruleId: offline.id, resourceType: 'peer', resourceId: 3, message: "peer 'alice' offline for 10 min" });
    expect(first).toEqual({ created: true, event: { id: 1, ruleId: offline.id, resourceType: 'peer', resourceId: '3', message: "peer 'alice' offline for 10 min", firedAt: clock.now, resolvedAt: null } });
    expect(repos.alertEvents.fire({ ruleId: offline.id, resourceType: 'peer', resourceId: 3, message: 'again' })).toEqual({ created: false, event: first.event });
    clock.advance(5000);
    const resolved = repos.alertEvents.resolve(first.event.id);
    expect(resolved.resolvedAt).toEqual(clock.now);
    expect(repos.alertEvents.resolve(first.event.id)).toEqual(resolved);
    expect(repos.alertEvents.fire({ ruleId: offline.id, resourceType: 'peer', resourceId: 3, message: 'back' }).created).toBe(true);
    repos.alertEvents.fire({ ruleId: down.id, resourceType: 'network', resourceId: 1, message: 'wg0 down' });
    expect(repos.alertEvents.listOpen().map((e) => e.message)).toEqual(['back', 'wg0 down']);
    expect(repos.alertEvents.recent(1)).toHaveLength(1);
    expect(() => repos.alertEvents.fire({ ruleId: 99, resourceType: 'peer', resourceId: 1, message: 'x' })).toThrow('alert rule 99 does not exist');
    expect(() => repos.alertRules.create({ condition: { type: 'peer_offline', offlineSeconds: -1 } })).toThrow('an alert threshold must not be negative');
    repos.alertRules.delete(offline.id);
    expect(repos.alertEvents.listOpen().map((e) => e.message)).toEqual(['wg0 down']);
  });
});

describe('SettingsRepo', () => {
  it('stores typed values and keeps unknown keys', () => {
    const { repos, db } = freshDb();
    expect(repos.settings.get('public_host')).toBeUndefined();
    expect(repos.settings.getOr('default_keepalive', 25)).toBe(25);
    repos.settings.set('public_host', 'vpn.example.net');
    repos.settings.set('default_dns', ['1.1.1.1', '9.9.9.9']);
    repos.settings.set('public_host', 'vpn2.example.net');
    expect(repos.settings.get('public_host')).toBe('vpn2.example.net');
    expect(repos.settings.get('default_dns')).toEqual(['1.1.1.1', '9.9.9.9']);
    db.prepare("INSERT INTO settings VALUES ('from_the_future', '42')").run();
    expect(repos.settings.raw().map((s) => s.key)).toEqual(['default_dns', 'from_the_future', 'public_host']);
    expect(repos.settings.delete('public_host')).toBe(true);
    expect(repos.settings.delete('public_host')).toBe(false);
    db.prepare("UPDATE settings SET value = '{' WHERE key = 'default_dns'").run();
    expect(() => repos.settings.get('default_dns')).toThrow(DbError);
  });
});

describe('kernel bookkeeping', () => {
  it('journals a change until the kernel confirms it (what a kill -9 leaves behind)', () => {
    const { repos, db, clock } = freshDb();
    // The service's write path: the change and its journal entry commit together…
    const op = db.transaction(() => {
      const n = repos.networks.create(networkInput());
      repos.ownedInterfaces.claim(n.interface, n.id);
      return repos.pendingOps.add({ op: 'network.create', resourceType: 'network', resourceId: n.id, interface: n.interface, summary: "create wg0 for network 'office'" });
    })();
    // …and the process dies before the kernel apply: on restart the entry is still there.
    expect(repos.pendingOps.list()).toEqual([
      { id: op.id, createdAt: clock.now, op: 'network.create', resourceType: 'network', resourceId: '1', interface: 'wg0', summary: "create wg0 for network 'office'", attempts: 0, lastAttemptAt: null, lastError: null },
    ]);
    expect(repos.ownedInterfaces.names()).toEqual(['wg0']);
    clock.advance(1000);
    expect(repos.pendingOps.failed(op.id, new Error('EBUSY'))).toMatchObject({ attempts: 1, lastError: 'EBUSY', lastAttemptAt: clock.now });
    repos.pendingOps.complete(op.id);
    repos.pendingOps.complete(op.id);
    expect(repos.pendingOps.list()).toEqual([]);
    repos.pendingOps.add({ op: 'x', resourceType: 'y', summary: 'z' });
    expect(repos.pendingOps.clear()).toBe(1);
    expect(repos.ownedInterfaces.release('wg0')).toBe(true);
    expect(repos.ownedInterfaces.release('wg0')).toBe(false);
  });
});
