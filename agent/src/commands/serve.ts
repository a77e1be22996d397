/**
 * `wgpilot-agent serve`: the daemon. Serves the router on `<state>/agent.sock` to any number of
 * local clients (the `stdio` bridges of SSH sessions) until SIGTERM or SIGINT, then closes every
 * connection (subscriptions see their abort) and removes the socket.
 */
import { createLogger } from '../log.js';
import { peerUidReader } from '../rpc/carriers/peercred.js';
import { listenUnix } from '../rpc/carriers/unix.js';
import { createAgentServer } from '../rpc/server.js';
import type { AgentServices } from '../rpc/trpc.js';
import type { OptionValues } from './args.js';
import { openDomain } from './host-options.js';
import { resolveSettings, socketPath } from './options.js';
import { EXIT } from './specs.js';

export async function serve(values: OptionValues, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = resolveSettings('serve', values, env);
  const log = createLogger({ level: settings.logLevel ?? 'info', format: settings.logFormat, fields: { cmd: 'serve', pid: process.pid } });
  log.debug('settings', { config: settings.configFile, stateDir: settings.stateDir, reconcileIntervalMs: settings.reconcileIntervalMs });
  if (settings.metricsListen !== undefined) log.info('metrics.listen is reserved for a coming version; nothing listens on it yet', { listen: settings.metricsListen });
  const services: AgentServices = {};
  const agent = createAgentServer({ mode: 'daemon', services, log });
  const server = await listenUnix({
    socketPath: socketPath(settings),
    log,
    serve: (socket) => agent.serve({ input: socket, output: socket, endOutput: true }),
    peerUid: await peerUidReader(),
  });
  // Only once the socket is ours: the daemon supervises its wireguard-go children and
  // reconciles at start, then on a timer. Domain calls that arrive meanwhile wait for it.
  const opening = openDomain(settings, log, { daemons: 'supervised' }).then(async (d) => {
    if (d) await d.start().then((report) => log.info('reconciled at start', { report }), (err: unknown) => log.error('reconcile at start failed', { error: err }));
    return d;
  });
  services.openDomain = () => opening;
  const domain = await opening;
  if (domain) services.domain = domain;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(s);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  log.info('shutting down', { signal });
  await server.close();
  await domain?.close();
  return EXIT.ok;
}
