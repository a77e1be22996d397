/**
 * createAgentServer binds the root router to a process: its mode, its services and its logger.
 * Every carrier (daemon socket, in-process stdio, tests' in-memory pairs) serves connections
 * through it, so each gets the same hello and context rules.
 */
import type { AnyRouter } from '@trpc/server';
import type { Logger } from '../log.js';
import { serveConnection, type ConnectionIO, type ServedConnection } from './adapter.js';
import { makeHello } from './identity.js';
import type { AgentMode, ClientIdentity } from './protocol.js';
import { agentRouter, capabilitiesOf } from './router.js';
import type { AgentContext, AgentServices } from './trpc.js';

export interface AgentServerOptions {
  /** The root router (tests serve their own, built on the same tRPC instance). */
  router?: AnyRouter;
  mode: AgentMode;
  services: AgentServices;
  log: Logger;
}

export interface AgentServer {
  /**
   * Serves one connection. `identity` is known for stdio (from the environment); without it the
   * peer must send an `identify` line first (daemon socket).
   */
  serve(io: ConnectionIO, identity?: ClientIdentity): ServedConnection;
}

export function createAgentServer(opts: AgentServerOptions): AgentServer {
  const router = opts.router ?? agentRouter;
  const capabilities = capabilitiesOf(router);
  let nextConnectionId = 1;
  return {
    serve(io, identity) {
      return serveConnection(io, {
        router,
        log: opts.log,
        connectionId: nextConnectionId++,
        identity,
        open(client, connection) {
          const hello = makeHello(opts.mode, client, capabilities);
          const ctx: AgentContext = { user: client.user, from: client.from, privileged: hello.privileged, mode: opts.mode, connection, services: opts.services };
          return { hello, ctx };
        },
      });
    },
  };
}
