/**
 * Reconciler: brings the kernel in line with the database — at start, on a timer (default
 * 30 s), and shortly after link events (debounced) — and reports every discrepancy it fixed.
 *
 * Design decisions:
 * - Level-triggered: a run always observes afresh and plans from scratch; an event only
 *   decides *when* to run, never *what* to do (kubernetes sample-controller). Events that
 *   arrive during a run schedule one more run.
 * - Pending ops (changes committed to the database whose kernel apply never confirmed, e.g.
 *   after a kill -9) are reported by the first full run and cleared once it succeeded without
 *   failures; a run with failures leaves them, with the error, for the next one.
 * - Every fix is audited as user 'system' and emitted as a `reconcile` event.
 */
import type { Core } from './core.js';
import type { OpReport } from './kernel.js';

export interface ReconcileReport {
  /** What triggered the run ('start', 'timer', 'link-event', 'manual'). */
  trigger: string;
  startedAt: string;
  durationMs: number;
  /** One line per fix: the op and why ("setMtu wg0: MTU is 1500 on wg0, want 1420"). */
  fixed: string[];
  failed: Array<{ op: string; reason: string; error: string }>;
  /** Things that are not ours to fix (a foreign link under a network's interface name). */
  conflicts: Array<{ interface: string; reason: string }>;
  /** Interrupted writes found in the journal at the start of this run. */
  pending: Array<{ id: number; op: string; summary: string; lastError: string | null }>;
}

export interface ReconcilerOptions {
  /** Period of the safety-net timer; 0 disables it. Default 30 s. */
  intervalMs?: number;
  /** Quiet time after a link event before the run. Default 500 ms. */
  debounceMs?: number;
}

export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
export const DEFAULT_EVENT_DEBOUNCE_MS = 500;

export function describeOp(r: OpReport): string {
  const iface = 'interface' in r.op ? ` ${r.op.interface}` : '';
  return `${r.op.kind}${iface}: ${r.op.reason}`;
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<ReconcileReport> | undefined;
  private again = false;
  /** Our own writes emit link events too; runs we cause must not chase themselves forever. */
  private lastRunEnded = 0;

  constructor(
    private readonly core: Core,
    private readonly options: ReconcilerOptions = {},
  ) {}

  /** reconcileOnce runs one full reconcile under the services' lock. */
  reconcileOnce(trigger = 'manual'): Promise<ReconcileReport> {
    return this.core.lock.run(() => this.runLocked(trigger));
  }

  /** start reconciles once now, then on the timer and after link events. */
  async start(): Promise<ReconcileReport> {
    const first = await this.reconcileOnce('start');
    const interval = this.options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => void this.trigger('timer'), interval);
      this.timer.unref();
    }
    this.unsubscribe = this.core.kernel.onLinkEvent((e) => {
      this.core.emit({ type: 'link', time: this.core.now().getTime(), action: e.action, interface: e.name, up: e.up, mtu: e.mtu ?? null });
      if (this.isOurs(e.name)) this.schedule();
    });
    return first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = undefined;
    this.debounce = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private isOurs(name: string): boolean {
    const r = this.core.repos;
    return r.networks.getByInterface(name) !== undefined || r.ownedInterfaces.names().includes(name);
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.trigger('link-event');
    }, this.options.debounceMs ?? DEFAULT_EVENT_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private async trigger(trigger: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    try {
      this.running = this.reconcileOnce(trigger);
      const report = await this.running;
      if (report.fixed.length + report.failed.length > 0) this.core.log.info('reconcile', { trigger, fixed: report.fixed, failed: report.failed });
    } catch (err) {
      this.core.log.error('reconcile failed', { trigger, error: err });
    } finally {
      this.running = undefined;
      this.lastRunEnded = Date.now();
    }
    if (this.again) {
      this.again = false;
      this.schedule();
    }
  }

  private async runLocked(trigger: string): Promise<ReconcileReport> {
    const started = this.core.now();
    const t0 = performance.now();
    const repos = this.core.repos;
    const pending = repos.pendingOps.list();
    const { reports, conflicts } = await this.core.converge();
    const fixed = reports.filter((r) => r.ok).map(describeOp);
    const failed = reports.filter((r) => !r.ok).map((r) => ({ op: r.op.kind, reason: r.op.reason, error: r.error ?? 'failed' }));
    if (pending.length > 0) {
      if (failed.length === 0) repos.pendingOps.clear();
      else for (const p of pending) repos.pendingOps.failed(p.id, failed.map((f) => f.error).join('; '));
    }
    const report: ReconcileReport = {
      trigger,
      startedAt: started.toISOString(),
      durationMs: Math.round((performance.now() - t0) * 100) / 100,
      fixed,
      failed,
      conflicts: conflicts.map((c) => ({ interface: c.interface, reason: c.reason })),
      pending: pending.map((p) => ({ id: p.id, op: p.op, summary: p.summary, lastError: p.lastError })),
    };
    if (fixed.length + failed.length > 0 || pending.length > 0) {
      this.core.audit('system', 'reconcile.fix', 'host', null, null, { trigger, fixed, failed, pending: report.pending.map((p) => p.summary) });
      this.core.emit({
        type: 'reconcile',
        time: this.core.now().getTime(),
        trigger,
        fixed,
        failed: failed.map((f) => `${f.op}: ${f.error}`),
        conflicts: report.conflicts.map((c) => c.reason),
      });
    }
    return report;
  }

  /** For diagnostics: milliseconds since the last background run ended (0 = never). */
  get lastRunAt(): number {
    return this.lastRunEnded;
  }
}
