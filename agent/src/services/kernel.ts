/**
 * Kernel: what the services need from the host, as one small interface. `HostKernel`
 * (host.ts) implements it with netlink, WireGuard and nftables; unit tests implement it in
 * memory (test/support/fake-kernel.ts), so every service and router runs without root.
 *
 * Design decisions:
 * - Two verbs carry all writes: `observe` (a fresh dump, never a cache) and `apply` (the
 *   planner's ops). Services never call netlink directly, so a write and a reconcile fix go
 *   through the same code and report the same way.
 * - Secrets reach `apply` through a callback (`ApplySecrets`), unsealed per op and never kept:
 *   ops stay printable.
 */
import type { FirewallRule } from '../domain/firewall.js';
import type { ObservedState } from '../domain/observed.js';
import type { Op } from '../domain/plan.js';
import type { PortHolder } from '../netlink/families/sockdiag/types.js';
import type { Key } from '../wireguard/keys.js';
import type { Device, DeviceType } from '../wireguard/types.js';

/** A link as the services care about it (status, alerts, the host-address check). */
export interface LinkFact {
  index: number;
  name: string;
  up: boolean;
  operState: string;
  mtu: number;
  kind: string | null;
  rxBytes: bigint;
  txBytes: bigint;
}

/** HostObservation is the planner's ObservedState plus the host facts services check against. */
export interface HostObservation extends ObservedState {
  links: LinkFact[];
  /** Addresses on the host's links ("192.168.1.10/24"), with the link name. */
  hostAddresses: Array<{ interface: string; address: string }>;
  /** The interface of the IPv4 default route (else IPv6), or null when there is none. */
  defaultRouteInterface: string | null;
  /** WireGuard devices read in this observation, by name. */
  devices: Map<string, Device>;
  /**
   * Interface names in use: this namespace's links plus every WireGuard device name the host
   * knows (wireguard-go's sockets are shared by all namespaces, so a name taken elsewhere is
   * taken here too).
   */
  takenNames: string[];
}

export interface ObserveScope {
  /** Only read these WireGuard devices (links, addresses and firewall are always read). */
  interfaces?: readonly string[];
}

/** ApplySecrets unseals what an op needs, only when it runs. */
export interface ApplySecrets {
  networkPrivateKey(networkId: number): Key;
  /** null when the peer has no preshared key. */
  peerPresharedKey(peerId: number): Key | null;
}

export interface ApplyContext {
  secrets: ApplySecrets;
  /** Every firewall rule the desired state wants, in evaluation order (firewall ops rewrite all). */
  firewallRules: readonly FirewallRule[];
}

/** OpReport is one line of an apply: the op, and whether it worked. */
export interface OpReport {
  op: Op;
  ok: boolean;
  error?: string;
  /** The lower error, for translation (not serialized). */
  cause?: unknown;
}

export interface WireGuardSupportFacts {
  kernelModule: boolean;
  kernelReason?: string;
  newDevices: DeviceType | 'try-kernel';
}

export type LinkEventListener = (e: { action: 'new' | 'del'; name: string; up: boolean; mtu: number | undefined }) => void;

export interface Kernel {
  observe(scope?: ObserveScope): Promise<HostObservation>;
  apply(ops: readonly Op[], ctx: ApplyContext): Promise<OpReport[]>;
  /** Reads one WireGuard device; null when there is none by that name. Equivalent to `wg show <if> dump`. */
  device(name: string): Promise<Device | null>;
  /** UDP sockets with their owners; only port `port` when given. Equivalent to `ss -uanp [sport = :N]`. */
  udpListeners(port?: number): Promise<PortHolder[]>;
  support(): WireGuardSupportFacts;
  /** Subscribes to link events (`ip monitor link`); returns the unsubscribe function. */
  onLinkEvent(listener: LinkEventListener): () => void;
  close(): Promise<void>;
}
