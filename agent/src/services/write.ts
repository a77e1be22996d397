/**
 * applyWrite is the one shape every mutation has: validate (the caller did) → database
 * transaction with a journal entry (pending op) → kernel apply (converge of the touched
 * interfaces) → on kernel failure, roll the database back and converge again to undo any half
 * applied change, or — for deletes, which cannot be rolled back — keep the journal entry with
 * the error for reconcile to retry, and say so in the result. Database and kernel never
 * silently disagree.
 *
 * A kill -9 anywhere in here leaves either nothing committed, or a committed change plus its
 * journal entry, which the next start reports and repairs.
 */
import type { Core } from './core.js';
import { failureMessage } from './core.js';
import { ServiceError, toServiceError } from './errors.js';
import type { OpReport } from './kernel.js';

/** What happened in the kernel for a write the database accepted. */
export interface KernelOutcome {
  applied: boolean;
  /** Set when `applied` is false: why, and the journal entry reconcile will retry. */
  error?: string;
  pendingOpId?: number;
}

export interface Write<T> {
  /** Dotted verb for the journal and the audit log ('network.create'). */
  op: string;
  resourceType: string;
  /** Runs inside the transaction; returns the changed resource. */
  change: () => T;
  /** Undoes `change` (inside a transaction); absent = keep pending on failure (deletes). */
  rollback?: (value: T) => void;
  resourceId: (value: T) => number | string | null;
  summary: (value: T) => string;
  /** Interfaces whose kernel state the change affects ([] = firewall only). */
  scope: (value: T) => string[];
  /** Optional direct kernel step instead of a converge (bulk peer writes). */
  apply?: (value: T) => Promise<OpReport[]>;
}

/** applyWrite must run inside `core.lock.run`. */
export async function applyWrite<T>(core: Core, w: Write<T>): Promise<{ value: T; kernel: KernelOutcome }> {
  const { value, pendingId } = core.db.transaction(() => {
    const v = w.change();
    const p = core.repos.pendingOps.add({ op: w.op, resourceType: w.resourceType, resourceId: w.resourceId(v), interface: w.scope(v)[0] ?? null, summary: w.summary(v) });
    return { value: v, pendingId: p.id };
  }).immediate();
  let reports: OpReport[];
  try {
    reports = w.apply ? await w.apply(value) : (await core.converge(w.scope(value))).reports;
  } catch (err) {
    reports = [{ op: { kind: 'setLinkUp', interface: w.scope(value)[0] ?? '', reason: 'kernel apply' }, ok: false, error: (err as Error).message, cause: err }];
  }
  const failure = failureMessage(reports);
  if (failure === null) {
    core.repos.pendingOps.complete(pendingId);
    return { value, kernel: { applied: true } };
  }
  const cause = reports.find((r) => !r.ok)?.cause;
  if (!w.rollback) {
    core.repos.pendingOps.failed(pendingId, failure);
    core.log.warn('kernel apply failed; kept as pending for reconcile', { op: w.op, error: failure, cause });
    return { value, kernel: { applied: false, error: failure, pendingOpId: pendingId } };
  }
  core.db.transaction(() => w.rollback?.(value))();
  try {
    await core.converge(w.scope(value));
    core.repos.pendingOps.complete(pendingId);
  } catch (err) {
    core.repos.pendingOps.failed(pendingId, `rollback: ${(err as Error).message}`);
  }
  const translated = cause === undefined ? undefined : toServiceError(cause);
  const code = translated && translated.appCode !== 'INTERNAL' ? translated.appCode : 'INTERNAL';
  throw new ServiceError(code, `the kernel refused the change, nothing was changed: ${failure}`, { cause });
}
