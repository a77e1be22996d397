/**
 * `wgpilot-agent stdio [--state-dir D]`: what the desktop runs over SSH. Bridges to the daemon's
 * socket when one answers; otherwise serves the router in-process on stdin/stdout (hello says
 * `mode: "in-process"`). stdout carries protocol only.
 */
import { createLogger } from '../log.js';
import { bridge, connectDaemon, redirectConsoleToStderr } from '../rpc/carriers/stdio.js';
import { clientIdentityFromEnv } from '../rpc/identity.js';
import { createAgentServer } from '../rpc/server.js';
import { lazyDomain } from './host-options.js';
import { logLevel, socketPath } from './options.js';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export async function stdio(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  redirectConsoleToStderr();
  const log = createLogger({ level: logLevel(env), fields: { cmd: 'stdio', pid: process.pid } });
  const identity = clientIdentityFromEnv(env);
  const path = socketPath(args, env);

  const daemon = await connectDaemon(path);
  if (daemon) {
    log.debug('bridging to the daemon', { socketPath: path });
    await bridge(daemon, identity, process.stdin, process.stdout);
  } else {
    log.debug('no daemon; serving in-process', { socketPath: path });
    // In-process for this session, opened on the first domain call; wireguard-go is started
    // detached, so interfaces outlive the session.
    const domain = lazyDomain(args, env, log, { daemons: 'detached' }, true);
    const conn = createAgentServer({ mode: 'in-process', services: domain.services, log }).serve({ input: process.stdin, output: process.stdout }, identity);
    const onSignal = () => conn.close('signal');
    for (const s of SIGNALS) process.on(s, onSignal);
    await conn.closed;
    for (const s of SIGNALS) process.off(s, onSignal);
    await domain.close();
  }
  // stdin would keep the process alive after the peer went away through stdout alone.
  process.stdin.destroy();
  return 0;
}
