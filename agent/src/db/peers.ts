/**
 * PeersRepo: the `peers` table. Returns `Peer` domain objects; sealed keys are only reachable
 * through `secrets`.
 *
 * Address allocation (`createAllocating`) reads the used addresses and inserts inside one
 * `BEGIN IMMEDIATE` transaction: the write lock is taken before the read, so no other
 * connection can insert between the choice and the insert. The unique indexes on
 * (network_id, address4/6) back this up; should they ever fire, the caller gets a typed
 * conflict naming the peer that holds the address.
 */
import { allocateDualStack } from '../domain/ipam.js';
import type { Network, Peer, PeerRole } from '../domain/model.js';
import type { SealedSecret } from '../secrets/box.js';
import { notFound, translateConstraint, type ConstraintMessages } from './errors.js';
import {
  fromBool,
  fromDateOrNull,
  parseStringArray,
  parseStringArrayOrNull,
  stripUndefined,
  systemClock,
  toBool,
  toDate,
  toDateOrNull,
  toJson,
  type Clock,
  type Db,
} from './rows.js';

interface PeerRow {
  id: number;
  network_id: number;
  name: string;
  email: string | null;
  role: PeerRole;
  address4: string | null;
  address6: string | null;
  has_private_key: number;
  public_key: string;
  has_preshared_key: number;
  site_networks: string;
  allowed_ips: string | null;
  endpoint: string | null;
  persistent_keepalive: number;
  bandwidth_up_kbps: number;
  bandwidth_down_kbps: number;
  enabled: number;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface NewPeer {
  networkId: number;
  name: string;
  email?: string | null;
  role?: PeerRole;
  address4?: string | null;
  address6?: string | null;
  publicKey: string;
  /** null for imported peers whose private key is unknown. */
  privateKeySealed: SealedSecret | null;
  presharedKeySealed?: SealedSecret | null;
  siteNetworks?: string[];
  allowedIps?: string[] | null;
  endpoint?: string | null;
  persistentKeepalive?: number;
  bandwidthUpKbps?: number;
  bandwidthDownKbps?: number;
  enabled?: boolean;
  expiresAt?: Date | null;
}

/** What may change after creation; keys have their own path (`setKeys`). */
export type PeerPatch = Partial<Omit<NewPeer, 'networkId' | 'publicKey' | 'privateKeySealed' | 'presharedKeySealed'>>;

export interface PeerSecrets {
  privateKey: SealedSecret | null;
  presharedKey: SealedSecret | null;
}

const COLUMNS = `id, network_id, name, email, role, address4, address6, private_key_enc IS NOT NULL AS has_private_key,
  public_key, preshared_key_enc IS NOT NULL AS has_preshared_key, site_networks, allowed_ips, endpoint,
  persistent_keepalive, bandwidth_up_kbps, bandwidth_down_kbps, enabled, expires_at, created_at, updated_at`;

function toPeer(r: PeerRow): Peer {
  return {
    id: r.id,
    networkId: r.network_id,
    name: r.name,
    email: r.email,
    role: r.role,
    address4: r.address4,
    address6: r.address6,
    publicKey: r.public_key,
    hasPrivateKey: toBool(r.has_private_key),
    hasPresharedKey: toBool(r.has_preshared_key),
    siteNetworks: parseStringArray(r.site_networks, 'peers.site_networks'),
    allowedIps: parseStringArrayOrNull(r.allowed_ips, 'peers.allowed_ips'),
    endpoint: r.endpoint,
    persistentKeepalive: r.persistent_keepalive,
    bandwidthUpKbps: r.bandwidth_up_kbps,
    bandwidthDownKbps: r.bandwidth_down_kbps,
    enabled: toBool(r.enabled),
    expiresAt: toDateOrNull(r.expires_at),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

function params(p: PeerPatch & Pick<NewPeer, 'name'>) {
  return {
    name: p.name,
    email: p.email ?? null,
    role: p.role ?? 'client',
    address4: p.address4 ?? null,
    address6: p.address6 ?? null,
    site_networks: toJson(p.siteNetworks ?? []),
    allowed_ips: p.allowedIps ? toJson(p.allowedIps) : null,
    endpoint: p.endpoint ?? null,
    persistent_keepalive: p.persistentKeepalive ?? 0,
    bandwidth_up_kbps: p.bandwidthUpKbps ?? 0,
    bandwidth_down_kbps: p.bandwidthDownKbps ?? 0,
    enabled: fromBool(p.enabled ?? true),
    expires_at: fromDateOrNull(p.expiresAt),
  };
}

/** statements prepares every query of the repository once. */
function statements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO peers (network_id, name, email, role, address4, address6, private_key_enc, public_key,
        preshared_key_enc, site_networks, allowed_ips, endpoint, persistent_keepalive, bandwidth_up_kbps,
        bandwidth_down_kbps, enabled, expires_at, created_at, updated_at)
      VALUES (@network_id, @name, @email, @role, @address4, @address6, @private_key_enc, @public_key, @preshared_key_enc,
        @site_networks, @allowed_ips, @endpoint, @persistent_keepalive, @bandwidth_up_kbps, @bandwidth_down_kbps,
        @enabled, @expires_at, @now, @now)
      RETURNING ${COLUMNS}`),
    update: db.prepare(`UPDATE peers SET name = @name, email = @email, role = @role, address4 = @address4,
        address6 = @address6, site_networks = @site_networks, allowed_ips = @allowed_ips, endpoint = @endpoint,
        persistent_keepalive = @persistent_keepalive, bandwidth_up_kbps = @bandwidth_up_kbps,
        bandwidth_down_kbps = @bandwidth_down_kbps, enabled = @enabled, expires_at = @expires_at, updated_at = @now
      WHERE id = @id RETURNING ${COLUMNS}`),
    setKeys: db.prepare(`UPDATE peers SET public_key = @public_key, private_key_enc = @private_key_enc,
        preshared_key_enc = @preshared_key_enc, updated_at = @now WHERE id = @id`),
    get: db.prepare(`SELECT ${COLUMNS} FROM peers WHERE id = ?`),
    list: db.prepare(`SELECT ${COLUMNS} FROM peers ORDER BY network_id, id`),
    byNetwork: db.prepare(`SELECT ${COLUMNS} FROM peers WHERE network_id = ? ORDER BY id`),
    byPublicKey: db.prepare(`SELECT ${COLUMNS} FROM peers WHERE network_id = ? AND public_key = ?`),
    byAddress4: db.prepare(`SELECT ${COLUMNS} FROM peers WHERE network_id = ? AND address4 = ?`),
    byAddress6: db.prepare(`SELECT ${COLUMNS} FROM peers WHERE network_id = ? AND address6 = ?`),
    used: db.prepare('SELECT address4, address6 FROM peers WHERE network_id = ?'),
    expired: db.prepare(`SELECT ${COLUMNS} FROM peers WHERE enabled = 1 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY id`),
    secrets: db.prepare('SELECT private_key_enc, preshared_key_enc FROM peers WHERE id = ?'),
    networkName: db.prepare('SELECT name FROM networks WHERE id = ?').pluck(),
    delete: db.prepare('DELETE FROM peers WHERE id = ?'),
  };
}

export class PeersRepo {
  private readonly s: ReturnType<typeof statements>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = statements(db);
  }

  create(p: NewPeer): Peer {
    const row = this.run(p, () =>
      this.s.insert.get({
        ...params(p),
        network_id: p.networkId,
        public_key: p.publicKey,
        private_key_enc: p.privateKeySealed,
        preshared_key_enc: p.presharedKeySealed ?? null,
        now: this.clock().getTime(),
      }),
    ) as PeerRow;
    return toPeer(row);
  }

  /**
   * createAllocating creates a peer with the first free address(es) of its network, chosen and
   * inserted under the write lock. Explicit addresses in `p` win over allocation per family.
   */
  createAllocating(
    p: Omit<NewPeer, 'networkId'>,
    network: Pick<Network, 'id' | 'subnet4' | 'subnet6' | 'address4' | 'address6'>,
  ): Peer {
    const tx = this.db.transaction(() => {
      const pools = {
        v4: network.subnet4 && network.address4 ? { subnet: network.subnet4, server: network.address4 } : null,
        v6: network.subnet6 && network.address6 ? { subnet: network.subnet6, server: network.address6 } : null,
      };
      const used = this.usedAddresses(network.id);
      const wanted = { v4: p.address4 ? null : pools.v4, v6: p.address6 ? null : pools.v6 };
      // Every family the peer needs is given explicitly (import, adoption): nothing to allocate.
      const explicitOnly = wanted.v4 === null && wanted.v6 === null && Boolean(p.address4 || p.address6);
      const auto = explicitOnly ? { address4: null, address6: null } : allocateDualStack(wanted, used);
      return this.create({ ...p, networkId: network.id, address4: p.address4 ?? auto.address4, address6: p.address6 ?? auto.address6 });
    });
    return tx.immediate();
  }

  /**
   * createManyAllocating is createAllocating for a batch: one write-locked transaction, the used
   * addresses read once and extended as each peer takes one (a bulk insert stays O(n), not O(n²)).
   */
  createManyAllocating(
    rows: readonly Omit<NewPeer, 'networkId'>[],
    network: Pick<Network, 'id' | 'subnet4' | 'subnet6' | 'address4' | 'address6'>,
  ): Peer[] {
    const tx = this.db.transaction(() => {
      const pools = {
        v4: network.subnet4 && network.address4 ? { subnet: network.subnet4, server: network.address4 } : null,
        v6: network.subnet6 && network.address6 ? { subnet: network.subnet6, server: network.address6 } : null,
      };
      const used = this.usedAddresses(network.id);
      return rows.map((p) => {
        const wanted = { v4: p.address4 ? null : pools.v4, v6: p.address6 ? null : pools.v6 };
        const explicitOnly = wanted.v4 === null && wanted.v6 === null && Boolean(p.address4 || p.address6);
        const auto = explicitOnly ? { address4: null, address6: null } : allocateDualStack(wanted, used);
        const peer = this.create({ ...p, networkId: network.id, address4: p.address4 ?? auto.address4, address6: p.address6 ?? auto.address6 });
        used.push({ address4: peer.address4, address6: peer.address6 });
        return peer;
      });
    });
    return tx.immediate();
  }

  get(id: number): Peer | undefined {
    const r = this.s.get.get(id) as PeerRow | undefined;
    return r && toPeer(r);
  }

  require(id: number): Peer {
    const p = this.get(id);
    if (!p) throw notFound('peer', id);
    return p;
  }

  getByPublicKey(networkId: number, publicKey: string): Peer | undefined {
    const r = this.s.byPublicKey.get(networkId, publicKey) as PeerRow | undefined;
    return r && toPeer(r);
  }

  list(): Peer[] {
    return (this.s.list.all() as PeerRow[]).map(toPeer);
  }

  listByNetwork(networkId: number): Peer[] {
    return (this.s.byNetwork.all(networkId) as PeerRow[]).map(toPeer);
  }

  /** usedAddresses lists the addresses taken in a network (for allocation). */
  usedAddresses(networkId: number): { address4: string | null; address6: string | null }[] {
    return this.s.used.all(networkId) as { address4: string | null; address6: string | null }[];
  }

  /** expiredButEnabled lists peers to auto-disable: enabled, with expires_at ≤ now. */
  expiredButEnabled(now: Date): Peer[] {
    return (this.s.expired.all(now.getTime()) as PeerRow[]).map(toPeer);
  }

  update(id: number, patch: PeerPatch): Peer {
    return this.db.transaction(() => {
      const current = this.require(id);
      const merged = { ...current, ...stripUndefined(patch) };
      const row = this.run(merged, () => this.s.update.get({ ...params(merged), id, now: this.clock().getTime() })) as PeerRow;
      return toPeer(row);
    })();
  }

  secrets(id: number): PeerSecrets {
    const r = this.s.secrets.get(id) as { private_key_enc: string | null; preshared_key_enc: string | null } | undefined;
    if (!r) throw notFound('peer', id);
    return { privateKey: r.private_key_enc as SealedSecret | null, presharedKey: r.preshared_key_enc as SealedSecret | null };
  }

  /** setKeys replaces the key material (regenerate keys, add or drop a preshared key). */
  setKeys(id: number, keys: { publicKey: string; privateKey: SealedSecret | null; presharedKey: SealedSecret | null }): void {
    const current = this.require(id);
    const changes = this.run({ ...current, networkId: current.networkId, publicKey: keys.publicKey }, () =>
      this.s.setKeys.run({
        id,
        public_key: keys.publicKey,
        private_key_enc: keys.privateKey,
        preshared_key_enc: keys.presharedKey,
        now: this.clock().getTime(),
      }),
    ).changes;
    if (changes === 0) throw notFound('peer', id);
  }

  delete(id: number): void {
    if (this.s.delete.run(id).changes === 0) throw notFound('peer', id);
  }

  private run<T>(p: Partial<NewPeer> & Pick<NewPeer, 'name'>, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateConstraint(err, this.messages(p));
    }
  }

  private messages(p: Partial<NewPeer> & Pick<NewPeer, 'name'>): ConstraintMessages {
    const net = p.networkId === undefined ? undefined : (this.s.networkName.get(p.networkId) as string | undefined);
    const inNet = net === undefined ? '' : ` in network '${net}'`;
    const holder = (r: unknown): string => ((r as PeerRow | undefined)?.name ? `peer '${(r as PeerRow).name}'` : 'another peer');
    return {
      table: 'peers',
      unique: {
        'peers.network_id, peers.name': () => `network '${net ?? '?'}' already has a peer named '${p.name}'`,
        'peers.network_id, peers.address4': () =>
          `address ${p.address4 ?? '?'} is already used by ${holder(this.s.byAddress4.get(p.networkId, p.address4))}${inNet}`,
        'peers.network_id, peers.address6': () =>
          `address ${p.address6 ?? '?'} is already used by ${holder(this.s.byAddress6.get(p.networkId, p.address6))}${inNet}`,
        'peers.network_id, peers.public_key': () =>
          `public key ${(p.publicKey ?? '').slice(0, 8)}… is already used by ${holder(this.s.byPublicKey.get(p.networkId, p.publicKey))}${inNet}`,
      },
      check: {
        peer_role: () => 'role must be client or site-gateway',
        peer_address_required: () => 'a peer needs an IPv4 or an IPv6 address (or both)',
        keepalive_range: () => `persistent keepalive must be 0..65535 seconds, got ${p.persistentKeepalive ?? 0}`,
        bandwidth_range: () => 'bandwidth limits must be 0 (unlimited) or more kbit/s',
      },
      foreignKey: () => `network ${p.networkId ?? '?'} does not exist`,
    };
  }
}
