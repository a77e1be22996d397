/**
 * `wgpilot-agent stdio`: what the desktop runs over SSH. Bridges to the daemon's socket when one
 * answers; otherwise serves the router in-process on stdin/stdout (hello says
 * `mode: "in-process"`). stdout carries protocol only.
 */
import { createLogger, isJournalStream } from '../log.js';
import { bridge, connectDaemon, redirectConsoleToStderr } from '../rpc/carriers/stdio.js';
import { clientIdentityFromEnv } from '../rpc/identity.js';
import { createAgentServer } from '../rpc/server.js';
import type { OptionValues } from './args.js';
import { lazyDomain } from './host-options.js';
import { resolveSettings, socketPath } from './options.js';
import { EXIT } from './specs.js';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export async function stdio(values: OptionValues, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  redirectConsoleToStderr();
  const settings = resolveSettings('stdio', values, env);
  // A program reads this stderr (the desktop, over SSH): `auto` means JSON here, not text.
  const format = settings.logFormat === 'auto' && !isJournalStream(env) ? 'json' : settings.logFormat;
  const log = createLogger({ level: settings.logLevel ?? 'info', format, fields: { cmd: 'stdio', pid: process.pid } });
  const identity = clientIdentityFromEnv(env);
  const path = socketPath(settings);

  const daemon = await connectDaemon(path);
  if (daemon) {
    log.debug('bridging to the daemon', { socketPath: path });
    await bridge(daemon, identity, process.stdin, process.stdout);
  } else {
    log.debug('no daemon; serving in-process', { socketPath: path });
    // In-process for this session, opened on the first domain call; wireguard-go is started
    // detached, so interfaces outlive the session.
    const domain = lazyDomain(settings, log, { daemons: 'detached' }, true);
    const conn = createAgentServer({ mode: 'in-process', services: domain.services, log }).serve({ input: process.stdin, output: process.stdout }, identity);
    const onSignal = () => conn.close('signal');
    for (const s of SIGNALS) process.on(s, onSignal);
    await conn.closed;
    for (const s of SIGNALS) process.off(s, onSignal);
    await domain.close();
  }
  // stdin would keep the process alive after the peer went away through stdout alone.
  process.stdin.destroy();
  return EXIT.ok;
}
