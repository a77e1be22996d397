/**
 * Observed state: what the host looks like right now, in kernel-agnostic terms. The reconcile
 * planner (plan.ts) compares it with the desired state from the database. The observer that
 * fills it (netlink dumps, WireGuard genetlink or UAPI, nftables) comes later and lives outside
 * the domain; the planner must never need more than what is described here.
 *
 * Design decisions:
 * - Plain data with canonical text (addresses, CIDRs, base64 keys), no kernel numbers or
 *   handles: equality is string equality after normalization, and tests write it by hand.
 * - Secrets are never observed: a preshared key is only "present or not", a private key only
 *   through the public key it yields.
 * - Ownership is explicit. Routes carry `owned` (the observer knows our route protocol
 *   number); firewall rules carry their owner tag (nftables rule comment/userdata); interfaces
 *   are ours when the database says so (networks + owned_interfaces), not when they look like it.
 */
import type { FirewallRule } from './firewall.js';

export interface ObservedState {
  interfaces: ObservedInterface[];
  /** Rules in the firewall table(s) the agent manages, ours and anyone else's. */
  firewallRules: ObservedFirewallRule[];
}

export interface ObservedInterface {
  name: string;
  /**
   * 'wireguard' when a WireGuard device answers for this name, kernel module or wireguard-go
   * (whose link is a TUN device); anything else is 'other' and never touched.
   */
  kind: 'wireguard' | 'other';
  /** Administratively up (IFF_UP). */
  up: boolean;
  mtu: number;
  /** Addresses with their prefix length as configured on the link ("10.0.0.1/24"). */
  addresses: string[];
  /** Routes in the main table that leave through this interface. */
  routes: ObservedRoute[];
  /** WireGuard configuration; null for kind 'other'. */
  wireguard: ObservedWireGuard | null;
}

export interface ObservedRoute {
  /** Destination CIDR ("192.168.50.0/24"). */
  destination: string;
  /** Installed by the agent (by its route protocol number); others are left alone. */
  owned: boolean;
}

export interface ObservedWireGuard {
  /** 0 before a port is set. */
  listenPort: number;
  /** Public key derived from the configured private key; null when none is set. */
  publicKey: string | null;
  peers: ObservedPeer[];
}

export interface ObservedPeer {
  publicKey: string;
  /** CIDRs as the device reports them. */
  allowedIps: string[];
  /** Seconds; 0 = off. */
  persistentKeepalive: number;
  /** host:port as the device reports it (learned by roaming, or configured); null if none. */
  endpoint: string | null;
  hasPresharedKey: boolean;
}

export interface ObservedFirewallRule {
  /** Owner tag found on the rule; null for rules without one (never ours). */
  tag: string | null;
  /** The rule in domain terms; null when the observer could not express it (still ours if tagged). */
  rule: FirewallRule | null;
}

/** emptyObservedState is a host with nothing on it (first start, or tests). */
export function emptyObservedState(): ObservedState {
  return { interfaces: [], firewallRules: [] };
}
