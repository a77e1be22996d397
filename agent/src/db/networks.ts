/**
 * NetworksRepo: the `networks` table. Returns `Network` domain objects; the sealed private key
 * is only reachable through `sealedPrivateKey`, never part of a `Network`.
 *
 * Statements are prepared once in the constructor. Updates are read-merge-write inside a
 * transaction with a single full-row UPDATE, so there is one statement instead of one per
 * combination of changed fields.
 */
import type { Network, NetworkMode } from '../domain/model.js';
import { DEFAULT_MTU } from '../domain/model.js';
import type { SealedSecret } from '../secrets/box.js';
import { notFound, translateConstraint, type ConstraintMessages } from './errors.js';
import { fromBool, parseStringArray, stripUndefined, systemClock, toBool, toDate, toJson, type Clock, type Db } from './rows.js';

interface NetworkRow {
  id: number;
  name: string;
  interface: string;
  mode: NetworkMode;
  subnet4: string | null;
  subnet6: string | null;
  address4: string | null;
  address6: string | null;
  listen_port: number;
  public_key: string;
  dns: string;
  mtu: number;
  endpoint_host: string | null;
  uplink_interface: string | null;
  routing_table: number;
  firewall_mark: number;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface NewNetwork {
  name: string;
  interface: string;
  mode: NetworkMode;
  subnet4?: string | null;
  subnet6?: string | null;
  address4?: string | null;
  address6?: string | null;
  listenPort: number;
  privateKeySealed: SealedSecret;
  publicKey: string;
  dns?: string[];
  mtu?: number;
  endpointHost?: string | null;
  uplinkInterface?: string | null;
  routingTable?: number;
  firewallMark?: number;
  enabled?: boolean;
}

/** What may change after creation; the interface name and keys have their own paths. */
export type NetworkPatch = Partial<Omit<NewNetwork, 'interface' | 'privateKeySealed' | 'publicKey'>>;

const COLUMNS = `id, name, interface, mode, subnet4, subnet6, address4, address6, listen_port, public_key, dns, mtu,
  endpoint_host, uplink_interface, routing_table, firewall_mark, enabled, created_at, updated_at`;

function toNetwork(r: NetworkRow): Network {
  return {
    id: r.id,
    name: r.name,
    interface: r.interface,
    mode: r.mode,
    subnet4: r.subnet4,
    subnet6: r.subnet6,
    address4: r.address4,
    address6: r.address6,
    listenPort: r.listen_port,
    publicKey: r.public_key,
    dns: parseStringArray(r.dns, 'networks.dns'),
    mtu: r.mtu,
    endpointHost: r.endpoint_host,
    uplinkInterface: r.uplink_interface,
    routingTable: r.routing_table,
    firewallMark: r.firewall_mark,
    enabled: toBool(r.enabled),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

/** Row parameters shared by INSERT and UPDATE. */
function params(n: Omit<NewNetwork, 'privateKeySealed' | 'publicKey' | 'interface'>) {
  return {
    name: n.name,
    mode: n.mode,
    subnet4: n.subnet4 ?? null,
    subnet6: n.subnet6 ?? null,
    address4: n.address4 ?? null,
    address6: n.address6 ?? null,
    listen_port: n.listenPort,
    dns: toJson(n.dns ?? []),
    mtu: n.mtu ?? DEFAULT_MTU,
    endpoint_host: n.endpointHost ?? null,
    uplink_interface: n.uplinkInterface ?? null,
    routing_table: n.routingTable ?? 0,
    firewall_mark: n.firewallMark ?? 0,
    enabled: fromBool(n.enabled ?? true),
  };
}

/** statements prepares every query of the repository once. */
function statements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO networks (name, interface, mode, subnet4, subnet6, address4, address6, listen_port,
        private_key_enc, public_key, dns, mtu, endpoint_host, uplink_interface, routing_table, firewall_mark, enabled,
        created_at, updated_at)
      VALUES (@name, @interface, @mode, @subnet4, @subnet6, @address4, @address6, @listen_port, @private_key_enc,
        @public_key, @dns, @mtu, @endpoint_host, @uplink_interface, @routing_table, @firewall_mark, @enabled, @now, @now)
      RETURNING ${COLUMNS}`),
    update: db.prepare(`UPDATE networks SET name = @name, mode = @mode, subnet4 = @subnet4, subnet6 = @subnet6,
        address4 = @address4, address6 = @address6, listen_port = @listen_port, dns = @dns, mtu = @mtu,
        endpoint_host = @endpoint_host, uplink_interface = @uplink_interface, routing_table = @routing_table,
        firewall_mark = @firewall_mark, enabled = @enabled, updated_at = @now
      WHERE id = @id RETURNING ${COLUMNS}`),
    setKey: db.prepare('UPDATE networks SET private_key_enc = ?, public_key = ?, updated_at = ? WHERE id = ?'),
    get: db.prepare(`SELECT ${COLUMNS} FROM networks WHERE id = ?`),
    byName: db.prepare(`SELECT ${COLUMNS} FROM networks WHERE name = ?`),
    byInterface: db.prepare(`SELECT ${COLUMNS} FROM networks WHERE interface = ?`),
    byPort: db.prepare(`SELECT ${COLUMNS} FROM networks WHERE listen_port = ?`),
    list: db.prepare(`SELECT ${COLUMNS} FROM networks ORDER BY id`),
    sealedKey: db.prepare('SELECT private_key_enc FROM networks WHERE id = ?').pluck(),
    delete: db.prepare('DELETE FROM networks WHERE id = ?'),
  };
}

export class NetworksRepo {
  private readonly s: ReturnType<typeof statements>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = statements(db);
  }

  create(n: NewNetwork): Network {
    const row = this.run(n, () =>
      this.s.insert.get({
        ...params(n),
        interface: n.interface,
        private_key_enc: n.privateKeySealed,
        public_key: n.publicKey,
        now: this.clock().getTime(),
      }),
    ) as NetworkRow;
    return toNetwork(row);
  }

  get(id: number): Network | undefined {
    const r = this.s.get.get(id) as NetworkRow | undefined;
    return r && toNetwork(r);
  }

  /** require is get that throws DbError('not-found'). */
  require(id: number): Network {
    const n = this.get(id);
    if (!n) throw notFound('network', id);
    return n;
  }

  getByName(name: string): Network | undefined {
    const r = this.s.byName.get(name) as NetworkRow | undefined;
    return r && toNetwork(r);
  }

  getByInterface(iface: string): Network | undefined {
    const r = this.s.byInterface.get(iface) as NetworkRow | undefined;
    return r && toNetwork(r);
  }

  list(): Network[] {
    return (this.s.list.all() as NetworkRow[]).map(toNetwork);
  }

  update(id: number, patch: NetworkPatch): Network {
    return this.db.transaction(() => {
      const merged = { ...this.require(id), ...stripUndefined(patch) };
      const row = this.run(merged, () => this.s.update.get({ ...params(merged), id, now: this.clock().getTime() })) as NetworkRow;
      return toNetwork(row);
    })();
  }

  /** setPrivateKey replaces the key pair (rotation); the public key is derived by the caller. */
  setPrivateKey(id: number, sealed: SealedSecret, publicKey: string): void {
    if (this.s.setKey.run(sealed, publicKey, this.clock().getTime(), id).changes === 0) throw notFound('network', id);
  }

  sealedPrivateKey(id: number): SealedSecret {
    const v = this.s.sealedKey.get(id) as string | undefined;
    if (v === undefined) throw notFound('network', id);
    return v as SealedSecret;
  }

  /** delete removes the network; its peers, bridges and alert rules go with it (ON DELETE CASCADE). */
  delete(id: number): void {
    if (this.s.delete.run(id).changes === 0) throw notFound('network', id);
  }

  private run<T>(n: Pick<NewNetwork, 'name' | 'listenPort' | 'mtu'> & { interface?: string }, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateConstraint(err, this.messages(n));
    }
  }

  private messages(n: Pick<NewNetwork, 'name' | 'listenPort' | 'mtu'> & { interface?: string }): ConstraintMessages {
    const owner = (r: unknown): string => ((r as NetworkRow | undefined)?.name ? `network '${(r as NetworkRow).name}'` : 'another network');
    return {
      table: 'networks',
      unique: {
        'networks.name': () => `a network named '${n.name}' already exists`,
        'networks.interface': () => `interface ${n.interface ?? '?'} is already used by ${owner(this.s.byInterface.get(n.interface))}`,
        'networks.listen_port': () => `listen port ${n.listenPort} is already used by ${owner(this.s.byPort.get(n.listenPort))}`,
      },
      check: {
        mtu_range: () => `MTU must be 1280..9000, got ${n.mtu ?? DEFAULT_MTU}`,
        listen_port_range: () => `listen port must be 1..65535, got ${n.listenPort}`,
        network_mode: () => 'mode must be gateway, site-to-site or hub-routed',
        network_subnet_required: () => 'a network needs an IPv4 or an IPv6 subnet (or both)',
        network_address4_with_subnet4: () => 'the server IPv4 address and the IPv4 subnet go together',
        network_address6_with_subnet6: () => 'the server IPv6 address and the IPv6 subnet go together',
      },
    };
  }
}
