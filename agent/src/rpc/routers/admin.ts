/**
 * Host administration procedures: `system.backup`, `system.restore`, `system.ports` (spread
 * into the system router), and the `settings` and `audit` routers.
 */
import { z } from 'zod';
import { router } from '../trpc.js';
import { domainProcedure, id, instant, services } from './shared.js';

const absolutePath = z.string().startsWith('/', 'must be an absolute path');

/** Procedures added to `system`: they are about the agent's host, not a domain object. */
export const systemAdminProcedures = {
  /** Online backup of the database to `path` (default <state>/backups/wgpilot-<time>.db). */
  backup: domainProcedure.input(z.object({ path: absolutePath.optional() }).optional()).mutation(async ({ ctx, input }) => services(ctx).admin.backup(input?.path)),

  /** Replaces the database with a backup (refuses a newer schema or a damaged file), then reconciles. */
  restore: domainProcedure.input(z.object({ path: absolutePath })).mutation(({ ctx, input }) => services(ctx).admin.restore(input.path, ctx.user)),

  /** The host's UDP listeners (`ss -uanp`), marking the ports our networks hold. */
  ports: domainProcedure.query(({ ctx }) => services(ctx).admin.ports()),
};

const settingInput = z.discriminatedUnion('key', [
  z.object({ key: z.literal('public_host'), value: z.string().min(1) }),
  z.object({ key: z.literal('default_dns'), value: z.array(z.string()) }),
  z.object({ key: z.literal('default_keepalive'), value: z.number().int().min(0).max(65535) }),
  z.object({ key: z.literal('audit_retention_days'), value: z.number().int().min(0) }),
]);

export const settingsRouter = router({
  get: domainProcedure.query(({ ctx }) => services(ctx).admin.settings()),
  set: domainProcedure.input(settingInput).mutation(({ ctx, input }) => services(ctx).admin.setSetting(input.key, input.value as never, ctx.user)),
});

export const auditRouter = router({
  /** The audit log, newest first: who (SSH user), what, which resource, before/after (no secrets). */
  list: domainProcedure
    .input(
      z
        .object({ limit: z.number().int().min(1).max(1000).optional(), beforeId: id.optional(), resourceType: z.string().optional(), resourceId: z.union([z.string(), z.number()]).optional(), since: instant.optional() })
        .optional(),
    )
    .query(({ ctx, input }) => services(ctx).admin.audit(input ?? {}).map((e) => ({ ...e, ts: e.ts.toISOString() }))),
});
