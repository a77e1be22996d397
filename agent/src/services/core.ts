/**
 * Core: what every service shares — the database and its repositories, the secret box, the
 * kernel, the clock, the event bus and one lock — plus the two steps all writes end with:
 * `converge` (observe → plan → apply, for some interfaces or all) and `audit`.
 *
 * Design decisions:
 * - One lock serializes everything that changes the kernel or reads desired state to plan it
 *   (writes, reconcile, expiry). Without it a reconcile could read the peers, then a create
 *   lands, then the reconcile removes the new peer from the device as "not in the database".
 *   Kernel writes are milliseconds, so the lock costs nothing measurable.
 * - A write's kernel part is the same converge a reconcile runs, limited to the interfaces it
 *   touched (plus the firewall), so "what the write does" and "what reconcile repairs" cannot
 *   drift apart.
 * - The database connection can be swapped (system.restore): services read `core.repos` on
 *   every call and never keep a repository themselves.
 */
import { EventEmitter } from 'node:events';
import type { Repositories } from '../db/index.js';
import type { Db } from '../db/rows.js';
import { desiredFirewallRules } from '../domain/firewall.js';
import type { Network } from '../domain/model.js';
import { plan, type Conflict, type DesiredState, type Op } from '../domain/plan.js';
import type { Logger } from '../log.js';
import type { SecretBox, SealedSecret } from '../secrets/box.js';
import { Key } from '../wireguard/keys.js';
import type { AgentEvent } from './events.js';
import type { ApplySecrets, HostObservation, Kernel, OpReport } from './kernel.js';

/** AAD contexts of sealed secrets: a sealed value only opens in the column it was sealed for. */
export const SEAL = {
  networkKey: 'network.private_key',
  peerKey: 'peer.private_key',
  psk: 'peer.preshared_key',
} as const;

export interface CoreOptions {
  /** Auto-named interfaces are <prefix><n>; default "wg". Tests use a unique prefix per run. */
  interfacePrefix: string;
  /** The database file (backup/restore). */
  dbFile: string;
  clock: () => Date;
  log: Logger;
}

/** A mutual-exclusion lock over async sections, FIFO. */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export interface ConvergeResult {
  observation: HostObservation;
  reports: OpReport[];
  conflicts: Conflict[];
}

export class Core {
  readonly lock = new Lock();
  readonly events = new EventEmitter<{ event: [AgentEvent] }>();

  constructor(
    public db: Db,
    public repos: Repositories,
    readonly box: SecretBox,
    readonly kernel: Kernel,
    readonly options: CoreOptions,
  ) {
    this.events.setMaxListeners(0);
  }

  get log(): Logger {
    return this.options.log;
  }

  now(): Date {
    return this.options.clock();
  }

  emit(event: AgentEvent): void {
    this.events.emit('event', event);
  }

  seal(key: Key, context: string): SealedSecret {
    return this.box.seal(key.toBase64(), context);
  }

  unseal(sealed: string, context: string): Key {
    return Key.fromBase64(this.box.openText(sealed, context), context);
  }

  /** secrets unseals per op, at apply time only. */
  readonly secrets: ApplySecrets = {
    networkPrivateKey: (id) => this.unseal(this.repos.networks.sealedPrivateKey(id), SEAL.networkKey),
    peerPresharedKey: (id) => {
      const s = this.repos.peers.secrets(id).presharedKey;
      return s === null ? null : this.unseal(s, SEAL.psk);
    },
  };

  /**
   * desired reads the desired state; a gateway network without an uplink masquerades out of
   * the default route's interface (as the brief of the mode says), when there is one.
   */
  desired(defaultRouteInterface: string | null): DesiredState {
    const r = this.repos;
    const networks = r.networks.list().map((n): Network => (n.uplinkInterface === null && defaultRouteInterface !== null ? { ...n, uplinkInterface: defaultRouteInterface } : n));
    return { networks, peers: r.peers.list(), bridges: r.bridges.list(), ownedInterfaces: r.ownedInterfaces.names() };
  }

  /**
   * converge makes the kernel match the database for `interfaces` (all when undefined) and the
   * firewall, and returns what it did. Call it inside `lock.run`.
   */
  async converge(interfaces?: readonly string[]): Promise<ConvergeResult> {
    const observation = await this.kernel.observe(interfaces ? { interfaces } : {});
    const desired = this.desired(observation.defaultRouteInterface);
    const planned = plan(desired, observation, this.now());
    const inScope = (op: Op): boolean => !interfaces || !('interface' in op) || interfaces.includes(op.interface);
    const ops = planned.ops.filter(inScope);
    const reports = ops.length === 0 ? [] : await this.kernel.apply(ops, { secrets: this.secrets, firewallRules: desiredFirewallRules(desired.networks, desired.bridges) });
    for (const r of reports) {
      if (r.ok && r.op.kind === 'deleteOrphanInterface') this.repos.ownedInterfaces.release(r.op.interface);
    }
    // Owned names with no network and no interface (a rolled-back create, a disabled network
    // deleted) have nothing left to clean up: release them, or they stay "taken" for ever.
    const present = new Set([...observation.takenNames, ...desired.networks.map((n) => n.interface)]);
    this.repos.ownedInterfaces.releaseAbsent(present, interfaces ? new Set(interfaces) : undefined);
    const conflicts = planned.conflicts.filter((c) => !interfaces || interfaces.includes(c.interface));
    return { observation, reports, conflicts };
  }

  /** audit records a mutation: who, what, which resource, before/after (secrets are redacted by the repo). */
  audit(user: string, action: string, resourceType: string, resourceId: number | string | null, before: unknown, after: unknown): void {
    this.repos.audit.record({ user, action, resourceType, resourceId, before: before ?? null, after: after ?? null });
  }
}

/** failures of a converge, as one message ("setListenPort wg0: … ; upsertPeer wg0: …"). */
export function failureMessage(reports: readonly OpReport[]): string | null {
  const failed = reports.filter((r) => !r.ok);
  if (failed.length === 0) return null;
  return failed.map((r) => `${r.op.reason}: ${r.error ?? 'failed'}`).join('; ');
}
