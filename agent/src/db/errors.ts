/**
 * Errors of the database layer: one class, a closed set of codes the RPC layer maps onto its
 * own (conflict → CONFLICT, not-found → NOT_FOUND, invalid → BAD_REQUEST, the rest → internal).
 * SQLite's own error is kept as `cause`.
 *
 * Constraint failures are translated where the context is known (the repository that ran the
 * statement), so the message names the thing in the way: "listen port 51820 is already used by
 * network 'office'" rather than "UNIQUE constraint failed: networks.listen_port".
 */
export type DbErrorCode =
  /** A unique constraint: the name/port/address is taken. */
  | 'conflict'
  /** The row to read, change or delete does not exist. */
  | 'not-found'
  /** A CHECK or foreign-key constraint: the input breaks a rule the schema enforces. */
  | 'invalid'
  /** A migration file is malformed or failed to apply. */
  | 'migration'
  /** An applied migration differs from the file of the same version in this build. */
  | 'checksum-mismatch'
  /** The database was written by a newer build (more migrations than this build knows). */
  | 'schema-too-new'
  /** PRAGMA integrity_check / foreign_key_check found damage. */
  | 'integrity'
  /** A file offered for restore is not a usable wgpilot database. */
  | 'restore';

export interface DbErrorDetails {
  table?: string;
  /** Columns or constraint name involved, as SQLite reported them. */
  constraint?: string;
}

export class DbError extends Error {
  override readonly name = 'DbError';
  readonly table: string | undefined;
  readonly constraint: string | undefined;

  constructor(
    readonly code: DbErrorCode,
    message: string,
    options: DbErrorDetails & { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.table = options.table;
    this.constraint = options.constraint;
  }
}

/** A constraint failure decoded from SQLite's error code and message. */
export type ConstraintFailure =
  | { kind: 'unique'; target: string }
  | { kind: 'check'; name: string }
  | { kind: 'foreign-key' }
  | { kind: 'not-null'; column: string };

/**
 * constraintFailure decodes better-sqlite3's SqliteError: `code` SQLITE_CONSTRAINT_UNIQUE with
 * "UNIQUE constraint failed: peers.network_id, peers.address4" (columns) or "… index
 * 'bridges_pair'" (expression indexes), SQLITE_CONSTRAINT_CHECK with "CHECK constraint failed:
 * mtu_range" (named constraints), SQLITE_CONSTRAINT_FOREIGNKEY. Anything else → undefined.
 */
export function constraintFailure(err: unknown): ConstraintFailure | undefined {
  if (!(err instanceof Error) || !('code' in err) || typeof err.code !== 'string') return undefined;
  const detail = err.message.replace(/^[A-Z ]+ constraint failed: /, '');
  switch (err.code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return { kind: 'unique', target: detail.replace(/^index '(.*)'$/, '$1') };
    case 'SQLITE_CONSTRAINT_CHECK':
      return { kind: 'check', name: detail };
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return { kind: 'foreign-key' };
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return { kind: 'not-null', column: detail };
    default:
      return undefined;
  }
}

/** How a repository words its constraint failures; unknown ones get a generic message. */
export interface ConstraintMessages {
  table: string;
  /** Keyed by the unique target as decoded ("networks.listen_port", "bridges_pair"). */
  unique?: Record<string, () => string>;
  /** Keyed by CHECK constraint name. */
  check?: Record<string, () => string>;
  foreignKey?: () => string;
}

/**
 * translateConstraint turns a constraint failure into a DbError with the repository's wording;
 * other errors are returned unchanged so the caller can rethrow them.
 */
export function translateConstraint(err: unknown, m: ConstraintMessages): unknown {
  const f = constraintFailure(err);
  if (!f) return err;
  const opts = { table: m.table, cause: err };
  switch (f.kind) {
    case 'unique': {
      const msg = m.unique?.[f.target]?.() ?? `${m.table}: ${f.target} must be unique`;
      return new DbError('conflict', msg, { ...opts, constraint: f.target });
    }
    case 'check': {
      const msg = m.check?.[f.name]?.() ?? `${m.table}: the value breaks the rule '${f.name}'`;
      return new DbError('invalid', msg, { ...opts, constraint: f.name });
    }
    case 'foreign-key':
      return new DbError('invalid', m.foreignKey?.() ?? `${m.table}: refers to a row that does not exist`, opts);
    case 'not-null':
      return new DbError('invalid', `${f.column} is required`, { ...opts, constraint: f.column });
  }
}

/** notFound builds the error for a missing row ("network 7 not found"). */
export function notFound(what: string, id: number | string): DbError {
  return new DbError('not-found', `${what} ${id} not found`);
}
