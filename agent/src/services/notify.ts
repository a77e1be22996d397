/**
 * AlertNotifier: posts each alert that fires or resolves to its rule's webhook
 * (`notify.webhook`), as JSON, in the background. The monitor calls `alert()` and goes on.
 *
 * Design decisions:
 * - Never blocking the agent: `alert()` returns at once; the post, its timeout and its retries
 *   run on their own. At most MAX_PENDING posts are in flight or waiting; past that new alerts
 *   are dropped with a warning, so an unreachable receiver cannot grow memory without bound.
 * - Each attempt has a timeout; network errors, timeouts, 429 and 5xx are retried with
 *   exponential backoff (1 s, 2 s, 4 s by default); other 4xx mean the receiver refuses this
 *   request, which a retry will not change.
 * - The webhook URL is often a credential (Slack-style hooks carry their token in the path),
 *   so logs name only its origin.
 * - On close (daemon shutdown, the end of an in-process `call monitor.tick`) posts in flight get
 *   a short grace to finish, then are aborted.
 * - The payload has a `text` line besides the structured fields, which chat services' incoming
 *   webhooks (Slack, Mattermost) display as is.
 */
import os from 'node:os';
import type { AlertEvent, AlertRule } from '../db/alerts.js';
import type { Core } from './core.js';

export interface WebhookOptions {
  /** Per attempt; default 5 s. */
  timeoutMs?: number;
  /** Attempts in all, the first included; default 4. */
  attempts?: number;
  /** Delay before the second attempt, doubled for each next one; default 1 s. */
  backoffMs?: number;
  /** Grace for posts in flight on close; default 5 s. */
  closeGraceMs?: number;
  /** The HTTP client (tests); default the global fetch. */
  fetch?: typeof fetch;
  /** The host name put in payloads; default os.hostname(). */
  hostname?: string;
}

/** Posts in flight or waiting for a retry, at most. */
export const MAX_PENDING = 100;

/** What a webhook receives (version 1). */
export interface WebhookPayload {
  source: 'wgpilot';
  version: 1;
  host: string;
  state: 'firing' | 'resolved';
  /** One readable line, for chat services. */
  text: string;
  alert: { id: number; ruleId: number; resourceType: string; resourceId: string; message: string; firedAt: string; resolvedAt: string | null };
  rule: Pick<AlertRule, 'id' | 'condition' | 'networkId' | 'peerId'>;
  time: string;
}

/** Whether an HTTP status is worth another attempt. */
export function retriable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The part of a webhook URL that may be logged. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export class AlertNotifier {
  private readonly pending = new Set<Promise<void>>();
  private readonly aborter = new AbortController();
  private readonly o: Required<Omit<WebhookOptions, 'fetch' | 'hostname'>> & { fetch: typeof fetch; hostname: string };

  constructor(
    private readonly core: Core,
    options: WebhookOptions = {},
  ) {
    this.o = {
      timeoutMs: options.timeoutMs ?? 5_000,
      attempts: Math.max(1, options.attempts ?? 4),
      backoffMs: options.backoffMs ?? 1_000,
      closeGraceMs: options.closeGraceMs ?? 5_000,
      fetch: options.fetch ?? fetch,
      hostname: options.hostname ?? os.hostname(),
    };
  }

  /** alert starts the webhook post of an alert event, if its rule has a webhook; never throws. */
  alert(state: 'firing' | 'resolved', event: AlertEvent): void {
    let rule: AlertRule | undefined;
    try {
      rule = this.core.repos.alertRules.get(event.ruleId);
    } catch (err) {
      this.core.log.warn('webhook: cannot read the alert rule', { ruleId: event.ruleId, error: err });
      return;
    }
    const url = rule?.notify.webhook;
    if (!rule || !url || this.aborter.signal.aborted) return;
    if (this.pending.size >= MAX_PENDING) {
      this.core.log.warn('webhook: too many posts pending; this alert is not posted', { ruleId: rule.id, alertId: event.id, webhook: origin(url), pending: this.pending.size });
      return;
    }
    const payload = this.payload(state, event, rule);
    const post = this.deliver(url, payload).finally(() => this.pending.delete(post));
    this.pending.add(post);
  }

  payload(state: 'firing' | 'resolved', e: AlertEvent, rule: AlertRule): WebhookPayload {
    const host = this.o.hostname;
    return {
      source: 'wgpilot',
      version: 1,
      host,
      state,
      text: `[${host}] ${state === 'firing' ? 'Alert' : 'Resolved'}: ${e.message}`,
      alert: { id: e.id, ruleId: e.ruleId, resourceType: e.resourceType, resourceId: e.resourceId, message: e.message, firedAt: e.firedAt.toISOString(), resolvedAt: e.resolvedAt?.toISOString() ?? null },
      rule: { id: rule.id, condition: rule.condition, networkId: rule.networkId, peerId: rule.peerId },
      time: this.core.now().toISOString(),
    };
  }

  /** deliver posts with retries; resolves (never rejects) once delivered or given up. */
  private async deliver(url: string, payload: WebhookPayload): Promise<void> {
    const where = { ruleId: payload.rule.id, alertId: payload.alert.id, state: payload.state, webhook: origin(url) };
    let last = '';
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      if (attempt > 1 && !(await this.sleep(this.o.backoffMs * 2 ** (attempt - 2)))) return;
      try {
        const signal = AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.o.timeoutMs)]);
        const res = await this.o.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'wgpilot-agent' }, body: JSON.stringify(payload), signal });
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) {
          this.core.log.debug('webhook posted', { ...where, attempt, status: res.status });
          return;
        }
        last = `HTTP ${res.status}`;
        if (!retriable(res.status)) break;
      } catch (err) {
        if (this.aborter.signal.aborted) return;
        last = (err as Error).name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : (err as Error).message;
      }
    }
    this.core.log.warn('webhook post failed', { ...where, attempts: this.o.attempts, error: last });
  }

  /** Waits `ms` unless closing; false when closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.aborter.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const done = () => {
        clearTimeout(timer);
        resolve(!signal.aborted);
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** idle resolves once no post is in flight or waiting (tests). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** close gives posts in flight `closeGraceMs` to finish, then aborts the rest. */
  async close(): Promise<void> {
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, this.o.closeGraceMs)))]);
      clearTimeout(timer);
    }
    this.aborter.abort();
    await this.idle();
  }
}
