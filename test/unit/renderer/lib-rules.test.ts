// @vitest-environment happy-dom
// The renderer's live checks: CIDR parsing/overlap, the network rules with the MTU band, peer rows.
import { describe, expect, it } from 'vitest';
import { overlaps, parseCidr, parseIp } from '../../../src-renderer/lib/cidr.js';
import { formatAgo, formatBytes, formatRate } from '../../../src-renderer/lib/format.js';
import { checkNetwork, mtuNote } from '../../../src-renderer/lib/network-rules.js';
import { buildRows } from '../../../src-renderer/lib/peer-rows.js';
import type { LiveStatus } from '../../../src-renderer/stores/peers.js';
import { network, peer } from './fake-agent.js';

describe('cidr', () => {
  it('parses v4 and v6, masks host bits, rejects junk', () => {
    expect(parseCidr('10.8.0.7/24')).toEqual({ family: 4, base: 0x0a080000n, prefix: 24 });
    expect(parseCidr('fd00:8::/64')?.family).toBe(6);
    expect(parseIp('::1')?.value).toBe(1n);
    for (const bad of ['10.8.0/24', '10.8.0.0/33', '300.1.1.1/8', 'fd00::8::/64', 'x']) expect(parseCidr(bad)).toBeNull();
  });
  it('overlaps by the shorter prefix and never across families', () => {
    expect(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.8.0.0/24')!)).toBe(true);
    expect(overlaps(parseCidr('10.8.1.0/24')!, parseCidr('10.8.0.0/24')!)).toBe(false);
    expect(overlaps(parseCidr('::/0')!, parseCidr('10.0.0.0/8')!)).toBe(false);
  });
});

describe('checkNetwork', () => {
  const draft = { name: 'lab', subnet4: '10.8.0.0/25', subnet6: '', address4: '10.9.0.1', address6: '', listenPort: 51820, mtu: 1600, dns: ['1.1.1.1', 'dns.example'] };
  it('names the overlapping network, the port clash, the address outside the subnet, the bad DNS', () => {
    const r = checkNetwork(draft, [network()]);
    expect(r.errors.subnet4).toBe("10.8.0.0/25 overlaps network 'office' (10.8.0.0/24)");
    expect(r.errors.listenPort).toBe("Port 51820 is used by network 'office'");
    expect(r.errors.address4).toBe('10.9.0.1 is not inside 10.8.0.0/25');
    expect(r.errors.dns).toContain('dns.example');
    expect(r.warnings.mtu).toContain('jumbo');
  });
  it('explains the MTU band', () => {
    expect(mtuNote(1279).level).toBe('error');
    expect(mtuNote(9001).level).toBe('error');
    expect(mtuNote(1300)).toMatchObject({ level: 'warning' });
    expect(mtuNote(1420).level).toBe('info');
    expect(mtuNote(null).text).toContain('1500 minus 80');
  });
});

describe('buildRows', () => {
  const peers = [peer({ id: 1, name: 'bob', address4: '10.8.0.10' }), peer({ id: 2, name: 'alice', address4: '10.8.0.9' }), peer({ id: 3, name: 'carol', address4: '10.8.0.100' })];
  const live = (id: number, rx: number, online: boolean) => [id, { peerId: id, online, rxBytes: rx, txBytes: 0, rxRate: 0, txRate: 0, lastHandshake: null, endpoint: null } as unknown as LiveStatus] as const;
  const status = new Map([live(1, 50, true), live(2, 500, false), live(3, 5, true)]);
  it('sorts by name, numeric address and live counters', () => {
    expect(buildRows(peers, status, '', { key: 'name', order: 'ascend' }).map((r) => r.peer.name)).toEqual(['alice', 'bob', 'carol']);
    expect(buildRows(peers, status, '', { key: 'address', order: 'ascend' }).map((r) => r.id)).toEqual([2, 1, 3]);
    expect(buildRows(peers, status, '', { key: 'rx', order: 'descend' }).map((r) => r.id)).toEqual([2, 1, 3]);
  });
  it('filters by search text and online state', () => {
    expect(buildRows(peers, status, 'CAR').map((r) => r.id)).toEqual([3]);
    expect(buildRows(peers, status, '10.8.0.1').map((r) => r.id)).toEqual([1, 3]);
    expect(buildRows(peers, status, '', null, true).map((r) => r.id)).toEqual([1, 3]);
  });
});

describe('format', () => {
  it('bytes, bit rates, ages', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatRate(125_000)).toBe('1.0 Mbit/s');
    expect(formatAgo('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:02:05Z'))).toBe('2 min ago');
    expect(formatAgo(null)).toBe('never');
  });
});
