/**
 * AuditRepo: the `audit_log` table — who (the SSH user, or 'system') did what to which
 * resource, with the resource before and after as JSON.
 *
 * Design decisions:
 * - Defence in depth against leaking secrets into the log: before/after are scrubbed of any
 *   field whose name says it is secret (privateKey, presharedKey, *Sealed, *_enc, secret,
 *   password, token), whatever the caller passed. Domain objects carry no secrets anyway.
 * - Newest first, paged by id (`beforeId`), which stays stable while new entries arrive.
 */
import { notFound } from './errors.js';
import { parseJsonOrNull, systemClock, toDate, toJson, type Clock, type Db } from './rows.js';

export interface AuditEntry {
  id: number;
  ts: Date;
  user: string;
  /** Dotted verb: 'network.create', 'peer.update', 'reconcile.fix', … */
  action: string;
  resourceType: string;
  resourceId: string | null;
  before: unknown;
  after: unknown;
}

export interface NewAuditEntry {
  user: string;
  action: string;
  resourceType: string;
  resourceId?: string | number | null;
  before?: unknown;
  after?: unknown;
  /** Defaults to the repository clock. */
  ts?: Date;
}

export interface AuditQuery {
  limit?: number;
  /** Only entries with a smaller id (the next page). */
  beforeId?: number;
  resourceType?: string;
  resourceId?: string | number;
  since?: Date;
}

interface AuditRow {
  id: number;
  ts: number;
  user: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  before: string | null;
  after: string | null;
}

const SECRET_FIELD = /private.?key|preshared.?key|sealed|_enc$|secret|password|token/i;
export const REDACTED = '[redacted]';

/**
 * redactSecrets copies a JSON-like value with the values of secret-looking fields replaced
 * (flags such as `hasPrivateKey: true` stay readable). Values with toJSON (Date, wireguard
 * `Key`) are converted first, so a key object cannot slip through as its raw bytes.
 */
export function redactSecrets(value: unknown): unknown {
  const v = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, SECRET_FIELD.test(k) && x !== null && typeof x !== 'boolean' ? REDACTED : redactSecrets(x)]),
    );
  }
  return v;
}

const MAX_LIMIT = 1000;

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    ts: toDate(r.ts),
    user: r.user,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    before: parseJsonOrNull(r.before, 'audit_log.before'),
    after: parseJsonOrNull(r.after, 'audit_log.after'),
  };
}

function statements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO audit_log (ts, user, action, resource_type, resource_id, before, after)
      VALUES (@ts, @user, @action, @resource_type, @resource_id, @before, @after) RETURNING *`),
    list: db.prepare(`SELECT * FROM audit_log
      WHERE (@before_id IS NULL OR id < @before_id) AND (@resource_type IS NULL OR resource_type = @resource_type)
        AND (@resource_id IS NULL OR resource_id = @resource_id) AND (@since IS NULL OR ts >= @since)
      ORDER BY id DESC LIMIT @limit`),
    get: db.prepare('SELECT * FROM audit_log WHERE id = ?'),
    prune: db.prepare('DELETE FROM audit_log WHERE ts < ?'),
  };
}

export class AuditRepo {
  private readonly s: ReturnType<typeof statements>;

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = statements(db);
  }

  record(e: NewAuditEntry): AuditEntry {
    const json = (v: unknown): string | null => (v === undefined || v === null ? null : toJson(redactSecrets(v)));
    const row = this.s.insert.get({
      ts: (e.ts ?? this.clock()).getTime(),
      user: e.user,
      action: e.action,
      resource_type: e.resourceType,
      resource_id: e.resourceId === undefined || e.resourceId === null ? null : String(e.resourceId),
      before: json(e.before),
      after: json(e.after),
    }) as AuditRow;
    return toEntry(row);
  }

  get(id: number): AuditEntry {
    const r = this.s.get.get(id) as AuditRow | undefined;
    if (!r) throw notFound('audit entry', id);
    return toEntry(r);
  }

  /** list returns entries newest first (at most 1000 per page, 100 by default). */
  list(q: AuditQuery = {}): AuditEntry[] {
    const rows = this.s.list.all({
      before_id: q.beforeId ?? null,
      resource_type: q.resourceType ?? null,
      resource_id: q.resourceId === undefined ? null : String(q.resourceId),
      since: q.since ? q.since.getTime() : null,
      limit: Math.min(Math.max(1, q.limit ?? 100), MAX_LIMIT),
    }) as AuditRow[];
    return rows.map(toEntry);
  }

  /** prune deletes entries older than `before`; returns how many. */
  prune(before: Date): number {
    return this.s.prune.run(before.getTime()).changes;
  }
}
