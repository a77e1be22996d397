/**
 * NetworksService: create / update / enable / disable / delete networks, and their live status.
 * Each write validates (pure rules, then the live host: own addresses, UDP port holders),
 * commits with a journal entry, converges the network's interface and the firewall, and rolls
 * back when the kernel refuses (write.ts).
 *
 * Kernel side of a network (through converge → apply): the WireGuard interface (kernel module
 * or wireguard-go), its private key and listen port, MTU, server addresses, link up, peers, and
 * the mode's nftables rules (gateway masquerade out of the uplink — the default route's
 * interface unless set —, hub-routed wg↔wg forwarding, site-to-site forwarding and routes).
 */
import { contains, normalizeCidr, parseCidr, parseIp } from '../domain/cidr.js';
import { defaultServerAddress } from '../domain/ipam.js';
import type { Network, NetworkMode } from '../domain/model.js';
import { assertValid, validateNetwork, type Issue } from '../domain/validate.js';
import type { NetworkPatch } from '../db/networks.js';
import { generateKeyPair, type Key } from '../wireguard/keys.js';
import { describeHolder, freeInterfaceName, freeListenPort, hostAddressIssues, portConflict } from './checks.js';
import { SEAL, type Core } from './core.js';
import { conflict, invalid } from './errors.js';
import { applyWrite, type KernelOutcome } from './write.js';

export interface NetworkCreateInput {
  name: string;
  mode: NetworkMode;
  subnet4?: string | null;
  subnet6?: string | null;
  address4?: string | null;
  address6?: string | null;
  /** Default: the lowest free port from 51820 up. */
  listenPort?: number;
  /** Default: the lowest free <prefix><n>. */
  interface?: string;
  /** Default: the host's `default_dns` setting, else none. */
  dns?: string[];
  mtu?: number;
  endpointHost?: string | null;
  uplinkInterface?: string | null;
  enabled?: boolean;
}

export type NetworkUpdateInput = Partial<Omit<NetworkCreateInput, 'interface'>>;

export interface NetworkWriteResult {
  network: Network;
  warnings: Issue[];
  kernel: KernelOutcome;
}

/** Options of a create that import/adopt pass: a known key, an existing interface. */
export interface CreateExtras {
  privateKey?: Key;
  /** The interface already runs (adoption): skip the "name taken" and own-port checks. */
  adopting?: boolean;
}

export class NetworksService {
  constructor(private readonly core: Core) {}

  list(): Network[] {
    return this.core.repos.networks.list();
  }

  get(id: number): Network {
    return this.core.repos.networks.require(id);
  }

  /** create makes a network; without `dns` it takes the host's `default_dns` setting. */
  create(input: NetworkCreateInput, user: string, extras: CreateExtras = {}): Promise<NetworkWriteResult> {
    return this.core.lock.run(async () => {
      const dns = input.dns ?? this.core.repos.settings.getOr('default_dns', []);
      const { row, warnings } = await this.prepareCreate({ ...input, dns }, extras);
      const keys = extras.privateKey ? { privateKey: extras.privateKey, publicKey: extras.privateKey.publicKey() } : generateKeyPair();
      const r = this.core.repos;
      const { value, kernel } = await applyWrite(this.core, {
        op: 'network.create',
        resourceType: 'network',
        change: () => {
          const n = r.networks.create({ ...row, privateKeySealed: this.core.seal(keys.privateKey, SEAL.networkKey), publicKey: keys.publicKey.toBase64() });
          r.ownedInterfaces.claim(n.interface, n.id);
          return n;
        },
        // The interface stays claimed, so the undo converge deletes what the apply created.
        rollback: (n) => r.networks.delete(n.id),
        resourceId: (n) => n.id,
        summary: (n) => `create network '${n.name}' on ${n.interface}`,
        scope: (n) => [n.interface],
      });
      this.core.audit(user, 'network.create', 'network', value.id, null, value);
      return { network: r.networks.require(value.id), warnings, kernel };
    });
  }

  update(id: number, patch: NetworkUpdateInput, user: string): Promise<NetworkWriteResult> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const before = r.networks.require(id);
      const { row: merged, issues } = this.normalize({ ...before, ...stripUndefined(patch) } as NetworkCreateInput);
      const warnings = await this.check(merged, before, undefined, issues);
      this.checkPeersFit(before, merged);
      const dbPatch: NetworkPatch = { ...merged };
      const { value, kernel } = await applyWrite(this.core, {
        op: 'network.update',
        resourceType: 'network',
        change: () => r.networks.update(id, dbPatch),
        rollback: () => void r.networks.update(id, before),
        resourceId: () => id,
        summary: (n) => `update network '${n.name}' (${n.interface})`,
        scope: (n) => [n.interface],
      });
      this.core.audit(user, 'network.update', 'network', id, before, value);
      return { network: value, warnings, kernel };
    });
  }

  setEnabled(id: number, enabled: boolean, user: string): Promise<NetworkWriteResult> {
    return this.update(id, { enabled }, user);
  }

  delete(id: number, user: string): Promise<{ deleted: Network; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const before = r.networks.require(id);
      const { kernel } = await applyWrite(this.core, {
        op: 'network.delete',
        resourceType: 'network',
        // owned_interfaces keeps the name (network_id → NULL): converge deletes it as an orphan.
        change: () => r.networks.delete(id),
        resourceId: () => id,
        summary: () => `delete network '${before.name}' and ${before.interface}`,
        scope: () => [before.interface],
      });
      this.core.audit(user, 'network.delete', 'network', id, before, null);
      return { deleted: before, kernel };
    });
  }

  /**
   * normalize canonicalizes subnets and fills server addresses. A subnet it cannot read is left
   * as typed and returned as an issue, so check() reports it together with the other fields.
   */
  private normalize(input: NetworkCreateInput): { row: NetworkCreateInput; issues: Issue[] } {
    const out = { ...input };
    const issues: Issue[] = [];
    for (const f of [4, 6] as const) {
      const key = f === 4 ? 'subnet4' : 'subnet6';
      const addr = f === 4 ? 'address4' : 'address6';
      const subnet = out[key];
      if (!subnet) {
        out[key] = null;
        out[addr] = null;
        continue;
      }
      try {
        out[key] = normalizeCidr(subnet);
        if (!out[addr]) out[addr] = defaultServerAddress(subnet);
      } catch (err) {
        issues.push({ field: key, message: (err as Error).message });
      }
    }
    return { row: out, issues };
  }

  private async prepareCreate(input: NetworkCreateInput, extras: CreateExtras) {
    const r = this.core.repos;
    const observation = await this.core.kernel.observe({ interfaces: [] });
    const taken = new Set([...r.networks.list().map((n) => n.interface), ...r.ownedInterfaces.names(), ...observation.takenNames]);
    const iface = input.interface ?? freeInterfaceName(this.core.options.interfacePrefix, taken);
    if (input.interface !== undefined && !extras.adopting && taken.has(iface)) {
      throw conflict(`interface name ${iface} is already taken on this host`);
    }
    const listenPort = input.listenPort ?? (await freeListenPort(this.core.kernel, new Set(r.networks.list().map((n) => n.listenPort))));
    const { row, issues } = this.normalize({ ...input, interface: iface, listenPort });
    const warnings = await this.check(row, undefined, extras.adopting ? iface : undefined, issues);
    return { row: { ...row, interface: iface, listenPort, mode: row.mode }, warnings };
  }

  /**
   * check runs the pure rules against the other networks, then the host: own addresses and the
   * UDP port. `current` is the network being edited (its own interface and port are fine).
   */
  private async check(n: NetworkCreateInput, current?: Network, adoptingInterface?: string, normalizeIssues: Issue[] = []): Promise<Issue[]> {
    const others = this.core.repos.networks.list().filter((o) => o.id !== current?.id);
    const iface = current?.interface ?? n.interface ?? adoptingInterface ?? '';
    const result = validateNetwork({ ...n, interface: iface, listenPort: n.listenPort ?? 0 }, others);
    // normalize's message stands for its field (in place of the rules' message for the same text).
    const bad = new Set(normalizeIssues.map((i) => i.field));
    result.errors = [...result.errors.filter((e) => !bad.has(e.field)), ...normalizeIssues];
    const clash = others.find((o) => o.listenPort === n.listenPort);
    if (clash) result.errors.push({ field: 'listenPort', message: `listen port ${n.listenPort} is already used by network '${clash.name}'` });
    assertValid(result);
    const observation = await this.core.kernel.observe({ interfaces: [] });
    const ours = new Set([iface, ...this.core.repos.networks.list().map((o) => o.interface)]);
    const subnets = [
      ...(n.subnet4 ? [{ field: 'subnet4', cidr: n.subnet4 }] : []),
      ...(n.subnet6 ? [{ field: 'subnet6', cidr: n.subnet6 }] : []),
    ];
    assertValid({ errors: hostAddressIssues(subnets, observation, ours), warnings: [] });
    if (n.listenPort !== undefined && n.listenPort !== current?.listenPort) {
      const holder = await portConflict(this.core.kernel, n.listenPort, adoptingInterface);
      if (holder) throw conflict(describeHolder(holder));
    }
    if (n.uplinkInterface && !observation.links.some((l) => l.name === n.uplinkInterface)) {
      result.warnings.push({ field: 'uplinkInterface', message: `${n.uplinkInterface} does not exist on this host (yet)` });
    }
    return result.warnings;
  }

  /** checkPeersFit refuses a subnet change that would strand peers outside the new subnet. */
  private checkPeersFit(before: Network, after: NetworkCreateInput): void {
    for (const p of this.core.repos.peers.listByNetwork(before.id)) {
      for (const [addr, subnet, field] of [[p.address4, after.subnet4, 'subnet4'], [p.address6, after.subnet6, 'subnet6']] as const) {
        if (addr && (!subnet || !contains(parseCidr(subnet), parseIp(addr)))) {
          throw invalid(`${field}: peer '${p.name}' has address ${addr}, which the new subnet ${subnet ?? '(none)'} does not contain`, [
            { field, message: `peer '${p.name}' has address ${addr} outside ${subnet ?? 'any subnet'}` },
          ]);
        }
      }
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
