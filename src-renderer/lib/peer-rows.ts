/**
 * The peers table's rows: peers joined with their live status, filtered by the search box and
 * sorted by the chosen column. Pure and allocation-light, since it runs once per status reading
 * (1 Hz) over up to thousands of peers.
 */
import type { Peer } from './agent-types.js';
import type { LiveStatus } from '../stores/peers.js';

export interface PeerRow {
  id: number;
  peer: Peer;
  status: LiveStatus | undefined;
}

export type PeerSortKey = 'name' | 'address' | 'handshake' | 'rx' | 'tx' | 'expiry';
export interface PeerSort {
  key: PeerSortKey;
  order: 'ascend' | 'descend';
}

function ipv4Number(a: string | null): number {
  if (!a) return Number.MAX_SAFE_INTEGER;
  const p = a.split('.');
  return p.length === 4 ? ((Number(p[0]) * 256 + Number(p[1])) * 256 + Number(p[2])) * 256 + Number(p[3]) : Number.MAX_SAFE_INTEGER;
}

const value: Record<PeerSortKey, (r: PeerRow) => number | string> = {
  name: (r) => r.peer.name.toLowerCase(),
  address: (r) => ipv4Number(r.peer.address4),
  handshake: (r) => (r.status?.lastHandshake ? Date.parse(r.status.lastHandshake) : 0),
  rx: (r) => r.status?.rxBytes ?? 0,
  tx: (r) => r.status?.txBytes ?? 0,
  expiry: (r) => (r.peer.expiresAt ? Date.parse(r.peer.expiresAt) : Number.MAX_SAFE_INTEGER),
};

export function matchesQuery(p: Peer, s: LiveStatus | undefined, q: string): boolean {
  return (
    p.name.toLowerCase().includes(q) ||
    (p.email?.toLowerCase().includes(q) ?? false) ||
    (p.address4?.includes(q) ?? false) ||
    (p.address6?.includes(q) ?? false) ||
    (s?.endpoint?.includes(q) ?? false) ||
    p.publicKey.toLowerCase().startsWith(q)
  );
}

export function buildRows(peers: readonly Peer[], status: ReadonlyMap<number, LiveStatus>, query = '', sort: PeerSort | null = null, onlineOnly = false): PeerRow[] {
  const q = query.trim().toLowerCase();
  const rows: PeerRow[] = [];
  for (const peer of peers) {
    const s = status.get(peer.id);
    if (onlineOnly && !s?.online) continue;
    if (q && !matchesQuery(peer, s, q)) continue;
    rows.push({ id: peer.id, peer, status: s });
  }
  if (sort) {
    const get = value[sort.key];
    const dir = sort.order === 'ascend' ? 1 : -1;
    rows.sort((a, b) => {
      const x = get(a);
      const y = get(b);
      return (x < y ? -1 : x > y ? 1 : a.id - b.id) * dir;
    });
  }
  return rows;
}
