/**
 * Bringing existing WireGuard setups under wgpilot: import of a wg-quick server file (becomes a
 * network and its peers) and adoption of an interface that already runs on the host (read
 * from the device: key, port, peers; from the link: addresses, MTU).
 *
 * Design decisions:
 * - Everything is checked before the first write (the file's peers against the network the
 *   file describes), so a bad file changes nothing; if the peers' write still fails, the new
 *   network is deleted again.
 * - A server file knows its peers' public keys only: imported peers keep no private key and
 *   offer no config download (their clients already have theirs).
 * - A peer's AllowedIPs beyond its own /32 (/128) are site networks: it becomes a site gateway.
 * - Adoption claims the interface: from then on it is the network's, and deleting the network
 *   deletes it.
 */
import { contains, formatCidr, formatIp, parseCidr, parseCidrLoose, parseInterfaceAddress, subnetOf } from '../domain/cidr.js';
import type { NetworkMode } from '../domain/model.js';
import { MTU_MAX, MTU_MIN, validatePeer, ValidationError, type Issue } from '../domain/validate.js';
import { parseWgQuick } from '../domain/wgquick-parse.js';
import { Key } from '../wireguard/keys.js';
import { formatEndpoint } from '../wireguard/ip.js';
import type { Core } from './core.js';
import { invalid, notFound } from './errors.js';
import type { NetworksService, NetworkWriteResult } from './networks.js';
import type { PeerCreateInput, PeersService } from './peers.js';

export interface ImportInput {
  /** The wg-quick file's text. */
  text: string;
  name: string;
  mode: NetworkMode;
  interface?: string;
  endpointHost?: string | null;
  /** Used when the file has no ListenPort. */
  listenPort?: number;
}

export interface AdoptInput {
  interface: string;
  name: string;
  mode: NetworkMode;
  endpointHost?: string | null;
  dns?: string[];
}

export interface ImportResult extends NetworkWriteResult {
  peers: number;
  fileWarnings: Issue[];
}

interface PeerSource {
  name: string | null;
  publicKey: string;
  presharedKey: string | null;
  allowedIps: string[];
  endpoint: string | null;
  persistentKeepalive: number;
}

export class ImportService {
  constructor(
    private readonly core: Core,
    private readonly networks: NetworksService,
    private readonly peers: PeersService,
  ) {}

  /** importConfig creates a network and its peers from a wg-quick server file. */
  async importConfig(input: ImportInput, user: string): Promise<ImportResult> {
    const { config, warnings } = parseWgQuick(input.text);
    const i = config.interface;
    if (i.privateKey === null) throw invalid('[Interface] has no PrivateKey: import needs the server\'s own file (a client file describes the other end)');
    const subnets = subnetsFrom(i.addresses);
    const mtu = i.mtu !== null && i.mtu >= MTU_MIN && i.mtu <= MTU_MAX ? i.mtu : undefined;
    const network = { name: input.name, mode: input.mode, ...subnets, dns: i.dns, ...(mtu ? { mtu } : {}), endpointHost: input.endpointHost ?? null };
    const peers = peerInputs(config.peers.map((p) => ({ ...p, persistentKeepalive: p.persistentKeepalive ?? 0 })), subnets);
    const listenPort = i.listenPort ?? input.listenPort;
    return this.createAll(
      { ...network, ...(listenPort ? { listenPort } : {}), ...(input.interface ? { interface: input.interface } : {}) },
      Key.fromBase64(i.privateKey, 'PrivateKey'),
      peers,
      user,
      false,
      warnings.map((w) => ({ field: `line ${w.line}`, message: w.message })),
    );
  }

  /** adopt takes over a running WireGuard interface. Equivalent to reading `wg showconf <if>` and `ip addr show <if>`. */
  async adopt(input: AdoptInput, user: string): Promise<ImportResult> {
    const r = this.core.repos;
    if (r.networks.getByInterface(input.interface)) throw invalid(`${input.interface} already belongs to a network`);
    const device = await this.core.kernel.device(input.interface);
    if (!device) throw notFound(`no WireGuard interface named ${input.interface} on this host`);
    if (!device.privateKey) throw invalid(`${input.interface} has no private key; configure it or import its file instead`);
    const observation = await this.core.kernel.observe({ interfaces: [input.interface] });
    const link = observation.links.find((l) => l.name === input.interface);
    const addresses = observation.hostAddresses.filter((a) => a.interface === input.interface).map((a) => a.address);
    const subnets = subnetsFrom(addresses.filter((a) => !a.toLowerCase().startsWith('fe80:')));
    const mtu = link && link.mtu >= MTU_MIN && link.mtu <= MTU_MAX ? link.mtu : undefined;
    const peers = peerInputs(
      device.peers.map((p) => ({
        name: null,
        publicKey: p.publicKey.toBase64(),
        presharedKey: p.presharedKey?.toBase64() ?? null,
        allowedIps: p.allowedIPs,
        endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
        persistentKeepalive: p.persistentKeepaliveInterval,
      })),
      subnets,
    );
    return this.createAll(
      {
        name: input.name,
        mode: input.mode,
        interface: input.interface,
        ...subnets,
        listenPort: device.listenPort,
        dns: input.dns ?? [],
        ...(mtu ? { mtu } : {}),
        endpointHost: input.endpointHost ?? null,
      },
      device.privateKey,
      peers,
      user,
      true,
      [],
    );
  }

  private async createAll(
    network: Parameters<NetworksService['create']>[0],
    privateKey: Key,
    peers: PeerCreateInput[],
    user: string,
    adopting: boolean,
    fileWarnings: Issue[],
  ): Promise<ImportResult> {
    const shape = { mode: network.mode, subnet4: network.subnet4 ?? null, subnet6: network.subnet6 ?? null, address4: network.address4 ?? null, address6: network.address6 ?? null };
    const issues = peers.flatMap((p, i) => validatePeer({ ...p, presharedKey: typeof p.presharedKey === 'string' ? p.presharedKey : null }, shape).errors.map((e) => ({ field: `peers[${i}].${e.field}`, message: e.message })));
    if (issues.length > 0) throw new ValidationError(issues);
    const created = await this.networks.create(network, user, { privateKey, adopting });
    if (peers.length === 0) return { ...created, peers: 0, fileWarnings };
    try {
      const result = await this.peers.createMany(created.network.id, peers, user);
      return { ...created, peers: result.peers.length, warnings: [...created.warnings, ...result.warnings], fileWarnings };
    } catch (err) {
      await this.networks.delete(created.network.id, user);
      throw err;
    }
  }
}

/** subnetsFrom reads the server's first IPv4 and IPv6 interface address ("10.8.0.1/24"). */
function subnetsFrom(addresses: readonly string[]) {
  const out: { subnet4?: string; address4?: string; subnet6?: string; address6?: string } = {};
  for (const text of addresses) {
    const a = parseInterfaceAddress(text);
    if (a.address.family === 4 && out.subnet4 === undefined) {
      out.subnet4 = formatCidr(subnetOf(a));
      out.address4 = formatIp(a.address);
    } else if (a.address.family === 6 && out.subnet6 === undefined) {
      out.subnet6 = formatCidr(subnetOf(a));
      out.address6 = formatIp(a.address);
    }
  }
  if (!out.subnet4 && !out.subnet6) throw invalid('the interface has no Address: cannot tell which subnet the network uses');
  return out;
}

/** peerInputs maps file/device peers onto peer inputs: own /32 and /128 become addresses, the rest site networks. */
function peerInputs(sources: readonly PeerSource[], subnets: { subnet4?: string; subnet6?: string }): PeerCreateInput[] {
  const used = new Set<string>();
  return sources.map((p, i) => {
    let address4: string | null = null;
    let address6: string | null = null;
    const sites: string[] = [];
    for (const text of p.allowedIps) {
      const c = parseCidrLoose(text).cidr;
      const inside = (s?: string) => s !== undefined && contains(parseCidr(s), c);
      if (c.family === 4 && c.prefix === 32 && inside(subnets.subnet4) && address4 === null) address4 = formatCidr(c).split('/')[0] ?? null;
      else if (c.family === 6 && c.prefix === 128 && inside(subnets.subnet6) && address6 === null) address6 = formatCidr(c).split('/')[0] ?? null;
      else sites.push(formatCidr(c));
    }
    let name = p.name?.trim() || `peer-${i + 1}`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${p.name?.trim() || 'peer'}-${n}`;
    used.add(name.toLowerCase());
    return {
      name,
      publicKey: p.publicKey,
      ...(p.presharedKey ? { presharedKey: p.presharedKey } : {}),
      address4,
      address6,
      role: sites.length > 0 ? 'site-gateway' : 'client',
      siteNetworks: sites,
      endpoint: p.endpoint,
      persistentKeepalive: p.persistentKeepalive,
    };
  });
}
