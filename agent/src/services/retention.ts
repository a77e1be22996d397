/**
 * AuditRetention: deletes audit entries older than the `audit_retention_days` setting, once at
 * start, then daily, and right after the setting changes. Unset or 0 keeps entries forever.
 *
 * Design decisions:
 * - Days count back from now, to the millisecond: an entry written 30 days and 1 second ago is
 *   older than "30 days". Pruning is one indexed DELETE, so running it daily costs nothing.
 * - The prune itself is logged, not audited: an audit row per prune would be the only thing
 *   the log keeps growing with on an idle host.
 */
import type { Core } from './core.js';

export const DAY_MS = 86_400_000;

export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly core: Core,
    private readonly intervalMs = DAY_MS,
  ) {}

  /** start prunes now, then every interval (0 = at start only). */
  start(): void {
    this.run();
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.run(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** prune deletes the entries past the retention; returns how many (0 when it keeps all). */
  prune(): number {
    const days = this.core.repos.settings.get('audit_retention_days') ?? 0;
    if (days <= 0) return 0;
    const before = new Date(this.core.now().getTime() - days * DAY_MS);
    const n = this.core.repos.audit.prune(before);
    if (n > 0) this.core.log.info('pruned the audit log', { deleted: n, retentionDays: days, before: before.toISOString() });
    return n;
  }

  private run(): void {
    try {
      this.prune();
    } catch (err) {
      this.core.log.error('audit pruning failed', { error: err });
    }
  }
}
