/**
 * The desktop's own tRPC router (hosts, connection state); the renderer reaches it over
 * Electron IPC or, in browser mode, a loopback WebSocket. Agent procedures are proxied
 * separately (they are the agent's contract, not re-implemented here).
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { DeployError } from './agent-deploy.js';
import { AgentLinkError } from './agent-link.js';
import type { HostManager } from './hosts.js';
import { HostKeyError, SshError } from './ssh.js';

export interface DesktopContext {
  hosts: HostManager;
  mode: 'electron' | 'browser';
  version: string;
}

/** The closed set of error codes the UI understands, beside tRPC's own. */
export type DesktopErrorCode = HostKeyError['code'] | SshError['code'] | DeployError['code'] | AgentLinkError['code'] | 'INTERNAL';

const t = initTRPC.context<DesktopContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const appCode: DesktopErrorCode =
      cause instanceof HostKeyError || cause instanceof SshError || cause instanceof DeployError || cause instanceof AgentLinkError ? cause.code : 'INTERNAL';
    const hostKey = cause instanceof HostKeyError ? cause.info : undefined;
    return { ...shape, data: { ...shape.data, appCode, hostKey } };
  },
});

/** Wraps domain errors so their message reaches the UI with a stable code. */
function domain<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch((err: unknown) => {
    if (err instanceof HostKeyError || err instanceof SshError || err instanceof DeployError || err instanceof AgentLinkError) {
      throw new TRPCError({ code: err instanceof HostKeyError ? 'FORBIDDEN' : 'BAD_REQUEST', message: err.message, cause: err });
    }
    throw err;
  });
}

export const desktopRouter = t.router({
  app: t.router({
    info: t.procedure.query(({ ctx }) => ({ version: ctx.version, mode: ctx.mode })),
  }),
  hosts: t.router({
    list: t.procedure.query(({ ctx }) => ctx.hosts.list()),
    connect: t.procedure
      .input(
        z.object({
          host: z.string().min(1, 'Host is required'),
          port: z.number().int().min(1).max(65535).default(22),
          username: z.string().min(1, 'User is required'),
          privateKeyPath: z.string().optional(),
          password: z.string().optional(),
          acceptHostKey: z.string().optional(),
        }),
      )
      .mutation(({ ctx, input }) => domain(() => ctx.hosts.connect(input))),
    disconnect: t.procedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => {
      ctx.hosts.disconnect(input.id);
      return { ok: true };
    }),
  }),
});

export type DesktopRouter = typeof desktopRouter;
