/**
 * monitor: the live event stream (kernel link events, reconcile fixes, alerts, expiries),
 * transfer history, alert rules and alert events, and a manual monitor round. Also
 * `reconcile` (run now / journal) — the same loop the daemon runs on its timer.
 */
import { on } from 'node:events';
import { z } from 'zod';
import type { AlertEvent, AlertRule } from '../../db/alerts.js';
import type { AgentEvent } from '../../services/events.js';
import { router } from '../trpc.js';
import { byId, domainProcedure, id, instant, isAbort, services } from './shared.js';

const eventType = z.enum(['link', 'reconcile', 'alert', 'peer-expired']);

const alertRuleDto = (r: AlertRule) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });
const alertEventDto = (e: AlertEvent) => ({ ...e, firedAt: e.firedAt.toISOString(), resolvedAt: e.resolvedAt?.toISOString() ?? null });

const condition = z.discriminatedUnion('type', [
  z.object({ type: z.literal('peer_offline'), offlineSeconds: z.number().int().min(0) }),
  z.object({ type: z.literal('interface_down') }),
  z.object({ type: z.literal('transfer_spike'), bytesPerHour: z.number().int().min(0) }),
]);

export const monitorRouter = router({
  /** Every AgentEvent as it happens (optionally only some types), until stopped. */
  events: domainProcedure.input(z.object({ types: z.array(eventType).optional() }).optional()).subscription(async function* ({ ctx, input, signal }) {
    const bus = services(ctx).core.events;
    const wanted = input?.types ? new Set(input.types) : undefined;
    try {
      for await (const [event] of on(bus, 'event', signal ? { signal } : {}) as AsyncIterable<[AgentEvent]>) {
        if (!wanted || wanted.has(event.type)) yield event;
      }
    } catch (err) {
      if (!isAbort(err)) throw err;
    }
  }),

  /** Runs one monitor round now: expiry, snapshots, alerts. */
  tick: domainProcedure.mutation(async ({ ctx }) => {
    const r = await services(ctx).monitor.tick();
    return { expired: r.expired, snapshots: r.snapshots, fired: r.fired.map(alertEventDto), resolved: r.resolved.map(alertEventDto) };
  }),

  /** Transfer history of a peer in [from, to) (every resolution: raw, hourly, daily). */
  history: domainProcedure.input(z.object({ peerId: id, from: instant, to: instant })).query(({ ctx, input }) =>
    services(ctx).core.repos.snapshots.range(input.peerId, input.from, input.to).map((s) => ({ ts: s.ts.toISOString(), resolution: s.resolution, rxBytes: s.rxBytes, txBytes: s.txBytes })),
  ),

  alertRules: domainProcedure.query(({ ctx }) => services(ctx).admin.alertRules().map(alertRuleDto)),

  createAlertRule: domainProcedure
    .input(z.object({ condition, networkId: id.nullable().optional(), peerId: id.nullable().optional(), notify: z.object({ desktop: z.boolean(), webhook: z.url({ protocol: /^https?$/, error: 'a webhook is an http:// or https:// URL' }).optional() }).optional(), enabled: z.boolean().optional() }))
    .mutation(({ ctx, input }) => alertRuleDto(services(ctx).admin.createAlertRule(input, ctx.user))),

  setAlertRuleEnabled: domainProcedure
    .input(z.object({ id, enabled: z.boolean() }))
    .mutation(({ ctx, input }) => alertRuleDto(services(ctx).admin.setAlertRuleEnabled(input.id, input.enabled, ctx.user))),

  deleteAlertRule: domainProcedure.input(byId).mutation(({ ctx, input }) => {
    services(ctx).admin.deleteAlertRule(input.id, ctx.user);
    return { deleted: input.id };
  }),

  alerts: domainProcedure
    .input(z.object({ open: z.boolean().default(false), limit: z.number().int().min(1).max(1000).default(100) }).optional())
    .query(({ ctx, input }) => services(ctx).admin.alertEvents(input?.open ?? false, input?.limit ?? 100).map(alertEventDto)),
});

export const reconcileRouter = router({
  /** Reconciles the kernel to the database now and reports every fix. */
  run: domainProcedure.mutation(({ ctx }) => services(ctx).reconciler.reconcileOnce('manual')),

  /** Writes committed to the database whose kernel apply is not confirmed yet. */
  pending: domainProcedure.query(({ ctx }) =>
    services(ctx).core.repos.pendingOps.list().map((p) => ({ ...p, createdAt: p.createdAt.toISOString(), lastAttemptAt: p.lastAttemptAt?.toISOString() ?? null })),
  ),
});
