/**
 * wgpilot-agent command line: the single entry point of the host agent bundle.
 *
 * Subcommands grow with the product (serve, stdio, diagnose, call); each lives in its own
 * module and is loaded lazily so that `version` stays instant.
 */
import { AGENT_VERSION, PROTOCOL_VERSION, type AgentInfo } from './version.js';

const USAGE = `usage: wgpilot-agent <command> [options]

commands:
  serve [--state-dir D]      run the daemon: tRPC on the unix socket D/agent.sock
                             (default D: $WGPILOT_STATE_DIR or /var/lib/wgpilot)
  stdio [--state-dir D]      speak the protocol on stdin/stdout (what the desktop runs over
                             SSH): bridged to the daemon when it runs, else in-process
  call [<procedure> [json|-]] [--state-dir D] [--in-process] [--count N]
                             run any API procedure and print JSON (through the daemon when
                             it runs, else in-process); alone, list every procedure with its
                             input as JSON Schema. See README "Managing a host from the shell".
  install-service [--launcher P] [--state-dir D] [--unit-dir U]
                             write the systemd unit for the daemon (root only)
  version [--json]           print the agent version
  help                       print this help

Logs are JSON lines on stderr ($WGPILOT_LOG_LEVEL: debug|info|warn|error). The protocol is
described in PROTOCOL.md.
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'version':
      if (rest.includes('--json')) {
        const info: AgentInfo = {
          version: AGENT_VERSION,
          protocol: PROTOCOL_VERSION,
          node: process.versions.node,
          platform: `${process.platform}-${process.arch}`,
        };
        process.stdout.write(JSON.stringify(info) + '\n');
      } else {
        process.stdout.write(`wgpilot-agent ${AGENT_VERSION}\n`);
      }
      return 0;
    case 'serve':
      return (await import('./commands/serve.js')).serve(rest);
    case 'stdio':
      return (await import('./commands/stdio.js')).stdio(rest);
    case 'call':
      return (await import('./commands/call.js')).call(rest);
    case 'install-service':
      return (await import('./commands/install-service.js')).installService(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`wgpilot-agent: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wgpilot-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
