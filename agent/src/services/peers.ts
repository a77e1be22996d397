/**
 * PeersService: create (one or many) / update / enable / disable / delete peers, the client
 * configuration download (the only place a private key leaves the host), live status, and
 * auto-disabling expired peers.
 *
 * Design decisions:
 * - Keys are generated on the host (X25519, node:crypto) and sealed before they reach the
 *   database; a peer created with a public key only (the client made its own key) has no
 *   private key here and no downloadable config.
 * - Creates apply straight to the device (`wg set <if> peer …`, one write for a whole batch)
 *   instead of a converge, so adding the 1,000th peer does not re-read 999 others; if that
 *   fails (the interface is missing after a reboot without the daemon), a converge of the
 *   interface repairs it first. Updates and deletes converge the interface; an update that
 *   changes the endpoint also pushes the peer, because the planner leaves endpoints that differ
 *   alone (roaming) and would never send the new one.
 * - Addresses come from `PeersRepo.createAllocating` (chosen and inserted under SQLite's write
 *   lock), so concurrent creates — even from two processes — never pick the same address.
 */
import { desiredPeer, type Op } from '../domain/plan.js';
import { isPeerActive, type Network, type Peer, type PeerRole } from '../domain/model.js';
import { assertValid, validatePeer, type Issue } from '../domain/validate.js';
import { configFileName, renderClientConfig, siteNetworksOfOthers } from '../domain/wgquick.js';
import { qrPng, qrSvg } from '../domain/qr.js';
import { normalizeCidr } from '../domain/cidr.js';
import type { NewPeer, PeerPatch } from '../db/peers.js';
import { desiredFirewallRules } from '../domain/firewall.js';
import { generateKeyPair, generatePresharedKey, Key } from '../wireguard/keys.js';
import { formatEndpoint } from '../wireguard/ip.js';
import { SEAL, type Core } from './core.js';
import { invalid, ServiceError } from './errors.js';
import type { OpReport } from './kernel.js';
import { applyWrite, type KernelOutcome } from './write.js';

export interface PeerCreateInput {
  name: string;
  email?: string | null;
  role?: PeerRole;
  address4?: string | null;
  address6?: string | null;
  /** The client's own public key; then the host keeps no private key and offers no config. */
  publicKey?: string;
  /** Generate a preshared key (or use this base64 one). */
  presharedKey?: boolean | string;
  siteNetworks?: string[];
  allowedIps?: string[] | null;
  endpoint?: string | null;
  /** Default: the host's `default_keepalive` setting, else 0 (off). */
  persistentKeepalive?: number;
  expiresAt?: Date | null;
  enabled?: boolean;
}

export type PeerUpdateInput = Partial<Omit<PeerCreateInput, 'publicKey' | 'presharedKey'>>;

/** Live state of one peer, from the device compared with the database. */
export interface PeerStatus {
  peerId: number;
  name: string;
  publicKey: string;
  enabled: boolean;
  /** Enabled and not expired: should be on the device. */
  active: boolean;
  inDevice: boolean;
  /** A handshake within the last 3 minutes. */
  online: boolean;
  lastHandshake: string | null;
  rxBytes: number;
  txBytes: number;
  endpoint: string | null;
  /** Persistent keepalive as configured and as the device reports it (roadmap feat-008). */
  keepalive: { configured: number; device: number | null; matches: boolean };
}

/** ONLINE_WINDOW_MS: WireGuard re-handshakes every 2 minutes on an active tunnel; 3 allows slack. */
export const ONLINE_WINDOW_MS = 180_000;

export interface ClientConfig {
  fileName: string;
  /** wg-quick text; contains the peer's private key. */
  text: string;
  qrSvg: string;
  /** PNG image, base64. */
  qrPngBase64: string;
}

export class PeersService {
  constructor(private readonly core: Core) {}

  list(networkId?: number): Peer[] {
    const r = this.core.repos;
    if (networkId === undefined) return r.peers.list();
    r.networks.require(networkId);
    return r.peers.listByNetwork(networkId);
  }

  get(id: number): Peer {
    return this.core.repos.peers.require(id);
  }

  async create(networkId: number, input: PeerCreateInput, user: string): Promise<{ peer: Peer; warnings: Issue[]; kernel: KernelOutcome }> {
    const { peers, warnings, kernel } = await this.createMany(networkId, [input], user);
    return { peer: peers[0] as Peer, warnings, kernel };
  }

  /** createMany creates peers in one transaction and one device write (import, bulk); defaults as in PeerCreateInput. */
  createMany(networkId: number, given: readonly PeerCreateInput[], user: string): Promise<{ peers: Peer[]; warnings: Issue[]; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const network = r.networks.require(networkId);
      const warnings: Issue[] = [];
      const keepalive = r.settings.getOr('default_keepalive', 0);
      const inputs = given.map((input) => ({ ...input, persistentKeepalive: input.persistentKeepalive ?? keepalive }));
      const rows = inputs.map((input, i) => {
        const result = validatePeer({ ...input, presharedKey: typeof input.presharedKey === 'string' ? input.presharedKey : null }, network);
        assertValid(inputs.length === 1 ? result : { ...result, errors: result.errors.map((e) => ({ ...e, field: `[${i}].${e.field}` })) });
        warnings.push(...result.warnings);
        return this.newPeerRow(input);
      });
      const { value, kernel } = await applyWrite(this.core, {
        op: inputs.length === 1 ? 'peer.create' : 'peer.createMany',
        resourceType: 'peer',
        change: () => r.peers.createManyAllocating(rows, network),
        rollback: (created) => created.forEach((p) => r.peers.delete(p.id)),
        resourceId: (created) => (created.length === 1 ? (created[0]?.id ?? null) : null),
        summary: (created) => `add ${created.length === 1 ? `peer '${created[0]?.name ?? ''}'` : `${created.length} peers`} to ${network.interface}`,
        scope: () => [network.interface],
        apply: (created) => this.applyAdded(network, created),
      });
      for (const p of value) this.core.audit(user, 'peer.create', 'peer', p.id, null, p);
      return { peers: value, warnings, kernel };
    });
  }

  update(id: number, patch: PeerUpdateInput, user: string): Promise<{ peer: Peer; warnings: Issue[]; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const before = r.peers.require(id);
      const network = r.networks.require(before.networkId);
      const merged = { ...before, ...stripUndefined(patch) };
      const result = validatePeer({ ...merged, presharedKey: null, publicKey: before.publicKey }, network);
      assertValid(result);
      const dbPatch: PeerPatch = { ...stripUndefined(patch), ...(patch.siteNetworks ? { siteNetworks: patch.siteNetworks.map(normalizeCidr) } : {}) };
      const { value, kernel } = await applyWrite(this.core, {
        op: 'peer.update',
        resourceType: 'peer',
        change: () => r.peers.update(id, dbPatch),
        rollback: () => void r.peers.update(id, before),
        resourceId: () => id,
        summary: (p) => `update peer '${p.name}' on ${network.interface}`,
        scope: () => [network.interface],
        apply: (p) => this.applyUpdated(network, p, endpointChange(before, patch)),
      });
      this.core.audit(user, 'peer.update', 'peer', id, before, value);
      return { peer: value, warnings: result.warnings, kernel };
    });
  }

  setEnabled(id: number, enabled: boolean, user: string): Promise<{ peer: Peer; warnings: Issue[]; kernel: KernelOutcome }> {
    return this.update(id, { enabled }, user);
  }

  delete(id: number, user: string): Promise<{ deleted: Peer; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const before = r.peers.require(id);
      const network = r.networks.require(before.networkId);
      const { kernel } = await applyWrite(this.core, {
        op: 'peer.delete',
        resourceType: 'peer',
        change: () => r.peers.delete(id),
        resourceId: () => id,
        summary: () => `remove peer '${before.name}' from ${network.interface}`,
        scope: () => [network.interface],
      });
      this.core.audit(user, 'peer.delete', 'peer', id, before, null);
      return { deleted: before, kernel };
    });
  }

  /** config renders the peer's wg-quick file and its QR codes — the one output with a private key. */
  async config(id: number, user: string): Promise<ClientConfig> {
    const r = this.core.repos;
    const peer = r.peers.require(id);
    const network = r.networks.require(peer.networkId);
    const secrets = r.peers.secrets(id);
    if (secrets.privateKey === null) {
      throw new ServiceError('CONFLICT', `peer '${peer.name}' has no private key on this host (its key was made by the client or imported); the client's own config is the only one`);
    }
    const endpointHost = network.endpointHost ?? r.settings.get('public_host');
    if (!endpointHost) throw invalid(`network '${network.name}' has no endpoint host: set its endpointHost or the public_host setting`);
    const text = renderClientConfig({
      network,
      endpointHost,
      peer,
      privateKey: this.core.unseal(secrets.privateKey, SEAL.peerKey).toBase64(),
      presharedKey: secrets.presharedKey === null ? null : this.core.unseal(secrets.presharedKey, SEAL.psk).toBase64(),
      otherSiteNetworks: siteNetworksOfOthers(peer, r.peers.listByNetwork(network.id)),
    });
    this.core.audit(user, 'peer.config', 'peer', id, null, { downloaded: true });
    return { fileName: configFileName(network.name, peer.name), text, qrSvg: await qrSvg(text), qrPngBase64: (await qrPng(text)).toString('base64') };
  }

  /** status reads the network's device once and joins it with the database (`wg show <if> dump`). */
  async status(networkId: number): Promise<PeerStatus[]> {
    const r = this.core.repos;
    const network = r.networks.require(networkId);
    const peers = r.peers.listByNetwork(networkId);
    const device = network.enabled ? await this.core.kernel.device(network.interface) : null;
    const byKey = new Map((device?.peers ?? []).map((p) => [p.publicKey.toBase64(), p]));
    const now = this.core.now();
    return peers.map((p): PeerStatus => {
      const d = byKey.get(p.publicKey);
      const hs = d?.lastHandshakeTime ?? null;
      return {
        peerId: p.id,
        name: p.name,
        publicKey: p.publicKey,
        enabled: p.enabled,
        active: isPeerActive(p, now),
        inDevice: d !== undefined,
        online: hs !== null && now.getTime() - hs.getTime() < ONLINE_WINDOW_MS,
        lastHandshake: hs?.toISOString() ?? null,
        rxBytes: Number(d?.receiveBytes ?? 0n),
        txBytes: Number(d?.transmitBytes ?? 0n),
        endpoint: d?.endpoint ? formatEndpoint(d.endpoint) : null,
        keepalive: {
          configured: p.persistentKeepalive,
          device: d ? d.persistentKeepaliveInterval : null,
          matches: d !== undefined && d.persistentKeepaliveInterval === p.persistentKeepalive,
        },
      };
    });
  }

  /** expireDue disables peers whose expiry passed (as user 'system'); returns them. */
  expireDue(): Promise<Peer[]> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const due = r.peers.expiredButEnabled(this.core.now());
      if (due.length === 0) return [];
      const disabled = this.core.db.transaction(() => due.map((p) => r.peers.update(p.id, { enabled: false })))();
      const interfaces = [...new Set(due.map((p) => r.networks.get(p.networkId)?.interface).filter((i): i is string => i !== undefined))];
      await this.core.converge(interfaces);
      for (const [i, p] of disabled.entries()) {
        this.core.audit('system', 'peer.expire', 'peer', p.id, due[i], p);
        this.core.emit({ type: 'peer-expired', time: this.core.now().getTime(), peerId: p.id, networkId: p.networkId, name: p.name });
      }
      return disabled;
    });
  }

  private newPeerRow(input: PeerCreateInput): Omit<NewPeer, 'networkId'> {
    let publicKey: string;
    let privateKeySealed: NewPeer['privateKeySealed'] = null;
    if (input.publicKey !== undefined) {
      publicKey = Key.fromBase64(input.publicKey.trim(), 'publicKey').toBase64();
    } else {
      const kp = generateKeyPair();
      publicKey = kp.publicKey.toBase64();
      privateKeySealed = this.core.seal(kp.privateKey, SEAL.peerKey);
    }
    const psk = input.presharedKey === true ? generatePresharedKey() : typeof input.presharedKey === 'string' ? Key.fromBase64(input.presharedKey, 'presharedKey') : null;
    return {
      name: input.name,
      email: input.email ?? null,
      role: input.role ?? 'client',
      address4: input.address4 ?? null,
      address6: input.address6 ?? null,
      publicKey,
      privateKeySealed,
      presharedKeySealed: psk === null ? null : this.core.seal(psk, SEAL.psk),
      siteNetworks: (input.siteNetworks ?? []).map(normalizeCidr),
      allowedIps: input.allowedIps ? input.allowedIps.map(normalizeCidr) : null,
      endpoint: input.endpoint ?? null,
      persistentKeepalive: input.persistentKeepalive ?? 0,
      enabled: input.enabled ?? true,
      expiresAt: input.expiresAt ?? null,
    };
  }

  /** applyAdded puts new peers on the device in one write, converging the interface if that fails. */
  private async applyAdded(network: Network, created: readonly Peer[]): Promise<OpReport[]> {
    if (!network.enabled) return [];
    const now = this.core.now();
    const ops: Op[] = [];
    for (const p of created.filter((p) => isPeerActive(p, now))) {
      ops.push({ kind: 'upsertPeer', interface: network.interface, peer: desiredPeer(p, network), reason: `add peer '${p.name}'` });
      if (p.role === 'site-gateway' && network.mode === 'site-to-site') {
        for (const d of p.siteNetworks) ops.push({ kind: 'addRoute', interface: network.interface, destination: d, reason: `route site network ${d} of '${p.name}'` });
      }
    }
    if (ops.length === 0) return [];
    const reports = await this.applyOps(ops);
    if (reports.every((x) => x.ok)) return reports;
    return (await this.core.converge([network.interface])).reports;
  }

  /**
   * applyUpdated converges the interface, then pushes an explicitly changed endpoint: the
   * planner compares endpoints only for presence (a different one on the device is a roamed
   * peer, which WireGuard keeps current on its own), so a converge alone would never send it.
   * Equivalent to: `wg set <if> peer <key> endpoint <host:port>`.
   */
  private async applyUpdated(network: Network, peer: Peer, newEndpoint: string | null): Promise<OpReport[]> {
    const { reports } = await this.core.converge([network.interface]);
    if (newEndpoint === null || !network.enabled || !isPeerActive(peer, this.core.now()) || reports.some((x) => !x.ok)) return reports;
    // A converge that rewrote this peer for another difference already sent the new endpoint.
    if (reports.some((x) => x.op.kind === 'upsertPeer' && x.op.peer.peerId === peer.id)) return reports;
    const reason = `endpoint of peer '${peer.name}' set to ${newEndpoint}`;
    return [...reports, ...(await this.applyOps([{ kind: 'upsertPeer', interface: network.interface, peer: desiredPeer(peer, network), reason }]))];
  }

  /** applyOps runs peer ops straight on the kernel (no observe, no plan). */
  private applyOps(ops: Op[]): Promise<OpReport[]> {
    // Peer ops never touch the firewall; the rule list is there for the apply contract only.
    const r = this.core.repos;
    return this.core.kernel.apply(ops, { secrets: this.core.secrets, firewallRules: desiredFirewallRules(r.networks.list(), r.bridges.list()) });
  }
}

/**
 * endpointChange is the endpoint an update sets explicitly (different from before), or null.
 * Clearing an endpoint is not pushed: WireGuard cannot unset a peer's endpoint short of
 * removing the peer, and the device's current one may be a roamed address that still works.
 */
function endpointChange(before: Peer, patch: PeerUpdateInput): string | null {
  return patch.endpoint !== undefined && patch.endpoint !== null && patch.endpoint !== before.endpoint ? patch.endpoint : null;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
