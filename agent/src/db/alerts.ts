/**
 * Alert rules and alert events: two tables, one repository each (AlertRulesRepo,
 * AlertEventsRepo), kept in one file because neither makes sense alone.
 *
 * A rule's `threshold` column means different things per type; the domain shape makes that
 * explicit as a discriminated union (offlineSeconds / bytesPerHour / nothing). An event is open
 * until resolved; the partial unique index allows one open event per (rule, resource), so
 * `fire` on a condition that is still open returns the existing event instead of a duplicate.
 */
import { DbError, notFound, translateConstraint } from './errors.js';
import { fromBool, parseJsonOrNull, systemClock, toBool, toDate, toDateOrNull, toJson, type Clock, type Db } from './rows.js';

export type AlertCondition =
  | { type: 'peer_offline'; offlineSeconds: number }
  | { type: 'interface_down' }
  | { type: 'transfer_spike'; bytesPerHour: number };

export interface AlertNotify {
  desktop: boolean;
  webhook?: string;
}

export interface AlertRule {
  id: number;
  condition: AlertCondition;
  /** null = every network. */
  networkId: number | null;
  /** null = every peer in scope. */
  peerId: number | null;
  notify: AlertNotify;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAlertRule {
  condition: AlertCondition;
  networkId?: number | null;
  peerId?: number | null;
  notify?: AlertNotify;
  enabled?: boolean;
}

export interface AlertEvent {
  id: number;
  ruleId: number;
  resourceType: string;
  resourceId: string;
  message: string;
  firedAt: Date;
  resolvedAt: Date | null;
}

interface RuleRow {
  id: number;
  type: AlertCondition['type'];
  network_id: number | null;
  peer_id: number | null;
  threshold: number;
  notify: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

interface EventRow {
  id: number;
  rule_id: number;
  resource_type: string;
  resource_id: string;
  message: string;
  fired_at: number;
  resolved_at: number | null;
}

function threshold(c: AlertCondition): number {
  return c.type === 'peer_offline' ? c.offlineSeconds : c.type === 'transfer_spike' ? c.bytesPerHour : 0;
}

function toRule(r: RuleRow): AlertRule {
  const condition: AlertCondition =
    r.type === 'peer_offline'
      ? { type: r.type, offlineSeconds: r.threshold }
      : r.type === 'transfer_spike'
        ? { type: r.type, bytesPerHour: r.threshold }
        : { type: 'interface_down' };
  const notify = parseJsonOrNull(r.notify, 'alert_rules.notify');
  if (notify === null || typeof notify !== 'object' || typeof (notify as AlertNotify).desktop !== 'boolean') {
    throw new DbError('integrity', `alert rule ${r.id} has a malformed notify column`);
  }
  return {
    id: r.id,
    condition,
    networkId: r.network_id,
    peerId: r.peer_id,
    notify: notify as AlertNotify,
    enabled: toBool(r.enabled),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

const toEvent = (r: EventRow): AlertEvent => ({
  id: r.id,
  ruleId: r.rule_id,
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  message: r.message,
  firedAt: toDate(r.fired_at),
  resolvedAt: toDateOrNull(r.resolved_at),
});

function ruleStatements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO alert_rules (type, network_id, peer_id, threshold, notify, enabled, created_at, updated_at)
      VALUES (@type, @network_id, @peer_id, @threshold, @notify, @enabled, @now, @now) RETURNING *`),
    setEnabled: db.prepare('UPDATE alert_rules SET enabled = ?, updated_at = ? WHERE id = ? RETURNING *'),
    get: db.prepare('SELECT * FROM alert_rules WHERE id = ?'),
    list: db.prepare('SELECT * FROM alert_rules ORDER BY id'),
    delete: db.prepare('DELETE FROM alert_rules WHERE id = ?'),
  };
}

export class AlertRulesRepo {
  private readonly s: ReturnType<typeof ruleStatements>;

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = ruleStatements(db);
  }

  create(r: NewAlertRule): AlertRule {
    try {
      return toRule(
        this.s.insert.get({
          type: r.condition.type,
          network_id: r.networkId ?? null,
          peer_id: r.peerId ?? null,
          threshold: threshold(r.condition),
          notify: toJson(r.notify ?? { desktop: true }),
          enabled: fromBool(r.enabled ?? true),
          now: this.clock().getTime(),
        }) as RuleRow,
      );
    } catch (err) {
      throw translateConstraint(err, {
        table: 'alert_rules',
        check: { alert_threshold: () => 'an alert threshold must not be negative' },
        foreignKey: () => 'the network or peer of this alert rule does not exist',
      });
    }
  }

  get(id: number): AlertRule | undefined {
    const r = this.s.get.get(id) as RuleRow | undefined;
    return r && toRule(r);
  }

  list(): AlertRule[] {
    return (this.s.list.all() as RuleRow[]).map(toRule);
  }

  setEnabled(id: number, enabled: boolean): AlertRule {
    const r = this.s.setEnabled.get(fromBool(enabled), this.clock().getTime(), id) as RuleRow | undefined;
    if (!r) throw notFound('alert rule', id);
    return toRule(r);
  }

  delete(id: number): void {
    if (this.s.delete.run(id).changes === 0) throw notFound('alert rule', id);
  }
}

function eventStatements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO alert_events (rule_id, resource_type, resource_id, message, fired_at)
      VALUES (@rule_id, @resource_type, @resource_id, @message, @fired_at)
      ON CONFLICT (rule_id, resource_type, resource_id) WHERE resolved_at IS NULL DO NOTHING RETURNING *`),
    open: db.prepare(`SELECT * FROM alert_events WHERE rule_id = ? AND resource_type = ? AND resource_id = ? AND resolved_at IS NULL`),
    resolve: db.prepare('UPDATE alert_events SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL RETURNING *'),
    get: db.prepare('SELECT * FROM alert_events WHERE id = ?'),
    listOpen: db.prepare('SELECT * FROM alert_events WHERE resolved_at IS NULL ORDER BY fired_at, id'),
    recent: db.prepare('SELECT * FROM alert_events ORDER BY fired_at DESC, id DESC LIMIT ?'),
    prune: db.prepare('DELETE FROM alert_events WHERE resolved_at IS NOT NULL AND resolved_at < ?'),
  };
}

export class AlertEventsRepo {
  private readonly s: ReturnType<typeof eventStatements>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = eventStatements(db);
  }

  /** fire opens an event; returns `created: false` with the open one if it is already firing. */
  fire(e: { ruleId: number; resourceType: string; resourceId: string | number; message: string; at?: Date }): {
    event: AlertEvent;
    created: boolean;
  } {
    return this.db.transaction(() => {
      const key = [e.ruleId, e.resourceType, String(e.resourceId)] as const;
      let inserted: EventRow | undefined;
      try {
        inserted = this.s.insert.get({
          rule_id: e.ruleId,
          resource_type: e.resourceType,
          resource_id: String(e.resourceId),
          message: e.message,
          fired_at: (e.at ?? this.clock()).getTime(),
        }) as EventRow | undefined;
      } catch (err) {
        throw translateConstraint(err, { table: 'alert_events', foreignKey: () => `alert rule ${e.ruleId} does not exist` });
      }
      if (inserted) return { event: toEvent(inserted), created: true };
      return { event: toEvent(this.s.open.get(...key) as EventRow), created: false };
    })();
  }

  /** resolve closes an open event; resolving a closed one is a no-op returning it as is. */
  resolve(id: number, at?: Date): AlertEvent {
    const r = this.s.resolve.get((at ?? this.clock()).getTime(), id) as EventRow | undefined;
    if (r) return toEvent(r);
    const existing = this.s.get.get(id) as EventRow | undefined;
    if (!existing) throw notFound('alert event', id);
    return toEvent(existing);
  }

  listOpen(): AlertEvent[] {
    return (this.s.listOpen.all() as EventRow[]).map(toEvent);
  }

  recent(limit = 100): AlertEvent[] {
    return (this.s.recent.all(limit) as EventRow[]).map(toEvent);
  }

  /** prune deletes resolved events older than `before`. */
  prune(before: Date): number {
    return this.s.prune.run(before.getTime()).changes;
  }
}
