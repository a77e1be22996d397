/**
 * The desktop's own tRPC router; the renderer reaches it over Electron IPC or, in browser mode,
 * a loopback WebSocket. Host profiles, ssh-config aliases, connections and their live state are
 * the desktop's; everything about a host itself goes through the agent proxy (router-agent.ts),
 * not re-implemented here.
 */
import { on } from 'node:events';
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { domain, t, type DesktopContext, type DesktopLogs } from './desktop-trpc.js';
import type { HostStateEvent } from './hosts.js';
import { AUTH_KINDS, profileInputSchema } from './profiles.js';
import { agentProxyRouter } from './router-agent.js';

export type { DesktopContext, DesktopErrorCode, DesktopLogs } from './desktop-trpc.js';

const connectInput = z
  .object({
    /** Chosen by the UI so it can follow `hosts.state` for this connect from the start. */
    hostId: z.string().min(1).max(100).optional(),
    profileId: z.string().optional(),
    alias: z.string().optional(),
    name: z.string().optional(),
    host: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().optional(),
    auth: z.enum(AUTH_KINDS).optional(),
    privateKeyPath: z.string().optional(),
    jump: z.string().optional(),
    password: z.string().optional(),
    passphrase: z.string().optional(),
    /** Asked by the UI after SUDO_PASSWORD_REQUIRED; kept in memory for this session only. */
    sudoPassword: z.string().optional(),
    acceptHostKey: z.string().optional(),
    remember: z.boolean().optional(),
  })
  .refine((r) => r.profileId || r.alias || (r.host && r.username), 'Pick a profile or an alias, or give host and user');

const DEFAULT_TAIL_BYTES = 64 * 1024;
const MAX_TAIL_BYTES = 1 << 20;

function requireLogs(ctx: DesktopContext): DesktopLogs {
  if (!ctx.logs) throw new TRPCError({ code: 'NOT_FOUND', message: 'This desktop keeps no log file.' });
  return ctx.logs;
}

export const desktopRouter = t.router({
  app: t.router({
    /** Version, carrier, and whether "remember" can keep SSH secrets here (if not, why). */
    info: t.procedure.query(({ ctx }) => ({ version: ctx.version, mode: ctx.mode, secrets: ctx.hosts.secretStorage() })),
    logs: t.router({
      /**
       * "Open logs": where the shell can (Electron), the folder opens in the file manager and
       * `opened` is true; otherwise the UI shows the tail (`app.logs.tail`) itself.
       */
      open: t.procedure.mutation(async ({ ctx }) => {
        const logs = requireLogs(ctx);
        if (!logs.openFolder) return { opened: false, dir: logs.dir, file: logs.file };
        await logs.openFolder();
        return { opened: true, dir: logs.dir, file: logs.file };
      }),
      /** The end of the desktop log (default 64 KiB, at most 1 MiB). */
      tail: t.procedure.input(z.object({ maxBytes: z.number().int().min(1).max(MAX_TAIL_BYTES).optional() }).optional()).query(({ ctx, input }) => {
        const logs = requireLogs(ctx);
        return { dir: logs.dir, file: logs.file, text: logs.tail(input?.maxBytes ?? DEFAULT_TAIL_BYTES) };
      }),
    }),
  }),
  profiles: t.router({
    list: t.procedure.query(({ ctx }) => domain(() => ctx.hosts.profiles.list())),
    save: t.procedure
      .input(profileInputSchema.extend({ id: z.string().optional() }))
      .mutation(({ ctx, input }) => domain(() => ctx.hosts.profiles.save(input))),
    /** Removes the profile, its remembered secrets and its host key in the app's known_hosts. */
    remove: t.procedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) =>
      domain(async () => {
        await ctx.hosts.removeProfile(input.id);
        return { ok: true as const };
      }),
    ),
  }),
  hosts: t.router({
    /** Host aliases from ~/.ssh/config, for "connect by alias". */
    aliases: t.procedure.query(({ ctx }) => ctx.hosts.aliases()),
    list: t.procedure.query(({ ctx }) => ctx.hosts.list()),
    connect: t.procedure.input(connectInput).mutation(({ ctx, input }) => {
      const { hostId, username, privateKeyPath, ...rest } = input;
      return domain(() => ctx.hosts.connect({ ...rest, user: username, keyPath: privateKeyPath }, { hostId }));
    }),
    /**
     * After HOST_KEY_CHANGED, once the admin has checked the new fingerprint on the host: forgets
     * the old keys shown (by fingerprint), so the next connect can trust the new one.
     */
    forgetHostKey: t.procedure
      .input(
        z.object({
          profileId: z.string().optional(),
          alias: z.string().optional(),
          host: z.string().optional(),
          port: z.number().int().min(1).max(65535).optional(),
          username: z.string().optional(),
          jump: z.string().optional(),
          keyHost: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
          fingerprints: z.array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a SHA256 fingerprint')).min(1).max(16),
        }),
      )
      .mutation(({ ctx, input }) => {
        const { username, ...rest } = input;
        return domain(() => ctx.hosts.forgetHostKey({ ...rest, user: username }));
      }),
    disconnect: t.procedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => {
      ctx.hosts.disconnect(input.id);
      return { ok: true as const };
    }),
    /**
     * Every host's state: first the current state of each, then every change (connecting,
     * deploying {sent,total}, connected, reconnecting, disconnected).
     */
    state: t.procedure.subscription(async function* ({ ctx, signal }) {
      const changes = on(ctx.hosts.events, 'state', { signal });
      for (const e of ctx.hosts.states()) yield e;
      try {
        for await (const [e] of changes) yield e as HostStateEvent;
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
    }),
  }),
  agent: agentProxyRouter,
});

export type DesktopRouter = typeof desktopRouter;
