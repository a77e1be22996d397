/**
 * The two bookkeeping tables that make a kill -9 between DB commit and kernel apply detectable
 * (see the design note in migrations/001_init.sql), one repository each:
 *
 * - PendingOpsRepo (`pending_ops`): an intent journal. A service adds a row in the same
 *   transaction as its change, and completes it after the kernel apply succeeded:
 *
 *     const op = db.transaction(() => { networks.update(…); return pending.add({…}); })();
 *     try { await kernel.apply(…); pending.complete(op.id); }
 *     catch (err) { pending.failed(op.id, err); throw err; }
 *
 *   On start, `list()` shows what was committed but never confirmed; reconcile reports it,
 *   repairs everything (it is level-triggered), then `clear()`s.
 * - OwnedInterfacesRepo (`owned_interfaces`): names of interfaces the agent created. Claimed in
 *   the transaction that creates the network; released only after the kernel confirmed the
 *   interface is gone, so an interrupted delete still knows the interface is ours to remove.
 *   A name no network uses whose interface is absent from a fresh observation is released
 *   too (`releaseAbsent`): nothing is left to remove.
 */
import { notFound } from './errors.js';
import { systemClock, toDate, type Clock, type Db } from './rows.js';

export interface PendingOp {
  id: number;
  createdAt: Date;
  /** Dotted verb of the change: 'network.create', 'peer.delete', … */
  op: string;
  resourceType: string;
  resourceId: string | null;
  interface: string | null;
  /** One line for people: "add peer 'laptop' to wg0". */
  summary: string;
  attempts: number;
  lastAttemptAt: Date | null;
  lastError: string | null;
}

export interface NewPendingOp {
  op: string;
  resourceType: string;
  resourceId?: string | number | null;
  interface?: string | null;
  summary: string;
}

interface PendingRow {
  id: number;
  created_at: number;
  op: string;
  resource_type: string;
  resource_id: string | null;
  interface: string | null;
  summary: string;
  attempts: number;
  last_attempt_at: number | null;
  last_error: string | null;
}

const toPending = (r: PendingRow): PendingOp => ({
  id: r.id,
  createdAt: toDate(r.created_at),
  op: r.op,
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  interface: r.interface,
  summary: r.summary,
  attempts: r.attempts,
  lastAttemptAt: r.last_attempt_at === null ? null : toDate(r.last_attempt_at),
  lastError: r.last_error,
});

function pendingStatements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO pending_ops (created_at, op, resource_type, resource_id, interface, summary)
      VALUES (@now, @op, @resource_type, @resource_id, @interface, @summary) RETURNING *`),
    failed: db.prepare(`UPDATE pending_ops SET attempts = attempts + 1, last_attempt_at = @now, last_error = @error
      WHERE id = @id RETURNING *`),
    delete: db.prepare('DELETE FROM pending_ops WHERE id = ?'),
    list: db.prepare('SELECT * FROM pending_ops ORDER BY id'),
    clear: db.prepare('DELETE FROM pending_ops'),
  };
}

export class PendingOpsRepo {
  private readonly s: ReturnType<typeof pendingStatements>;

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = pendingStatements(db);
  }

  add(p: NewPendingOp): PendingOp {
    return toPending(
      this.s.insert.get({
        now: this.clock().getTime(),
        op: p.op,
        resource_type: p.resourceType,
        resource_id: p.resourceId === undefined || p.resourceId === null ? null : String(p.resourceId),
        interface: p.interface ?? null,
        summary: p.summary,
      }) as PendingRow,
    );
  }

  /** complete removes the journal entry once the kernel has the change. Idempotent. */
  complete(id: number): void {
    this.s.delete.run(id);
  }

  /** failed records an unsuccessful apply attempt (the message only, never secrets). */
  failed(id: number, error: unknown): PendingOp {
    const message = error instanceof Error ? error.message : String(error);
    const r = this.s.failed.get({ id, now: this.clock().getTime(), error: message }) as PendingRow | undefined;
    if (!r) throw notFound('pending op', id);
    return toPending(r);
  }

  list(): PendingOp[] {
    return (this.s.list.all() as PendingRow[]).map(toPending);
  }

  /** clear drops every entry, after a full reconcile has brought the kernel in line. */
  clear(): number {
    return this.s.clear.run().changes;
  }
}

export interface OwnedInterface {
  name: string;
  /** null once the network is deleted but the kernel interface may still exist. */
  networkId: number | null;
  createdAt: Date;
}

interface OwnedRow {
  name: string;
  network_id: number | null;
  created_at: number;
}

function ownedStatements(db: Db) {
  return {
    claim: db.prepare(`INSERT INTO owned_interfaces (name, network_id, created_at) VALUES (@name, @network_id, @now)
      ON CONFLICT (name) DO UPDATE SET network_id = excluded.network_id`),
    release: db.prepare('DELETE FROM owned_interfaces WHERE name = ?'),
    list: db.prepare('SELECT name, network_id, created_at FROM owned_interfaces ORDER BY name'),
  };
}

export class OwnedInterfacesRepo {
  private readonly s: ReturnType<typeof ownedStatements>;

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = ownedStatements(db);
  }

  /** claim records that the agent creates (or adopts) `name` for a network. */
  claim(name: string, networkId: number | null): void {
    this.s.claim.run({ name, network_id: networkId, now: this.clock().getTime() });
  }

  /** release forgets a name after the kernel confirmed the interface is gone. */
  release(name: string): boolean {
    return this.s.release.run(name).changes > 0;
  }

  list(): OwnedInterface[] {
    return (this.s.list.all() as OwnedRow[]).map((r) => ({ name: r.name, networkId: r.network_id, createdAt: toDate(r.created_at) }));
  }

  names(): string[] {
    return this.list().map((o) => o.name);
  }

  /**
   * releaseAbsent forgets the names no network uses any more whose interface the kernel does
   * not have (`present` is a fresh observation of the names in `scope`, or of all names when
   * `scope` is undefined): there is nothing left to delete, so nothing to keep the name for.
   * Without this a create whose interface never came to be (rolled back), or the delete of a
   * disabled network (its interface already gone), would keep the name claimed for ever.
   * Returns the released names.
   */
  releaseAbsent(present: ReadonlySet<string>, scope?: ReadonlySet<string>): string[] {
    const gone = this.list().filter((o) => o.networkId === null && !present.has(o.name) && (scope === undefined || scope.has(o.name)));
    for (const o of gone) this.release(o.name);
    return gone.map((o) => o.name);
  }
}
