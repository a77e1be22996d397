/**
 * The agent's subcommands as data: synopsis, summary, options (for `node:util` parseArgs and
 * for `--help`). Kept apart from the command modules, which load the whole agent, so that
 * `version`, `help` and every usage error stay instant.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in --help, e.g. "DIR". */
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: CommandName;
  /** What follows `wgpilot-agent <name>` in the usage line. */
  synopsis: string;
  /** One line for the command list. */
  summary: string;
  /** More lines for `<command> --help`. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** How many positional arguments the command takes. */
  maxPositionals: number;
  /** `call` reports every error as JSON on stderr (its scripting contract); others as text. */
  errorFormat: 'text' | 'json';
}

export type CommandName = 'serve' | 'stdio' | 'call' | 'install-service' | 'version';

/** Where the state is and how the agent logs: every command that opens the state takes these. */
const STATE_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', value: 'FILE', help: 'config file (default $WGPILOT_CONFIG, else /etc/wgpilot/agent.json)' },
  'state-dir': { type: 'string', value: 'DIR', help: 'database, key and socket (default $WGPILOT_STATE_DIR, config stateDir, /var/lib/wgpilot)' },
  'log-level': { type: 'string', value: 'LEVEL', help: 'debug|info|warn|error (default $WGPILOT_LOG_LEVEL, config logLevel, info)' },
  'log-format': { type: 'string', value: 'FORMAT', help: 'auto|journal|text|json (default $WGPILOT_LOG_FORMAT, config logFormat, auto)' },
};

/** The host the services drive; tests run several agents side by side with these. */
const HOST_OPTIONS: Record<string, OptionSpec> = {
  netns: { type: 'string', value: 'NS', help: 'manage this named network namespace (default $WGPILOT_NETNS)' },
  'interface-prefix': { type: 'string', value: 'P', help: 'auto-named interfaces are P0, P1, … (default $WGPILOT_INTERFACE_PREFIX, wg)' },
  'wireguard-go': { type: 'string', value: 'PATH', help: 'the wireguard-go binary (default $WGPILOT_WIREGUARD_GO, from PATH)' },
};

const RECONCILE: Record<string, OptionSpec> = {
  'reconcile-interval': { type: 'string', value: 'SECONDS', help: 'reconcile timer, 0 = off (default config reconcileIntervalSeconds, 30)' },
};

export const COMMANDS: Record<CommandName, CommandSpec> = {
  serve: {
    name: 'serve',
    synopsis: '[options]',
    summary: 'run the daemon: the API on the unix socket DIR/agent.sock',
    details: 'Reconciles the kernel to the database at start and on a timer, supervises wireguard-go, and\nserves any number of local clients until SIGTERM or SIGINT.',
    options: {
      ...STATE_OPTIONS,
      ...RECONCILE,
      'metrics-listen': { type: 'string', value: 'HOST:PORT', help: 'reserved for the coming Prometheus endpoint (validated, not served yet)' },
      ...HOST_OPTIONS,
    },
    maxPositionals: 0,
    errorFormat: 'text',
  },
  stdio: {
    name: 'stdio',
    synopsis: '[options]',
    summary: 'speak the protocol on stdin/stdout (what the desktop runs over SSH)',
    details: 'Bridged to the daemon when it runs, else the agent runs in-process for this session.',
    options: { ...STATE_OPTIONS, ...RECONCILE, ...HOST_OPTIONS },
    maxPositionals: 0,
    errorFormat: 'text',
  },
  call: {
    name: 'call',
    synopsis: '[<procedure> [json|-]] [options]',
    summary: 'run any API procedure and print JSON; alone, list every procedure',
    details:
      'Through the daemon when it runs, else in-process. `-` reads the JSON input from stdin.\n' +
      'Errors go to stderr as {"error":{"appCode","message"}}. See README "Managing a host from the shell".',
    options: {
      ...STATE_OPTIONS,
      'in-process': { type: 'boolean', help: 'never use the daemon: open the database and the kernel here' },
      count: { type: 'string', value: 'N', help: 'subscriptions: stop after N events (default: until Ctrl-C)' },
      ...HOST_OPTIONS,
    },
    maxPositionals: 2,
    errorFormat: 'json',
  },
  'install-service': {
    name: 'install-service',
    synopsis: '[options]',
    summary: 'write the systemd unit for the daemon (root only)',
    details: 'Writes UNIT_DIR/wgpilot-agent.service pointing at this launcher; starts nothing.',
    options: {
      launcher: { type: 'string', value: 'PATH', help: 'the wgpilot-agent launcher the unit runs (default: this bundle)' },
      config: STATE_OPTIONS.config!,
      'state-dir': { type: 'string', value: 'DIR', help: 'pass --state-dir DIR to the daemon (default: the config file decides)' },
      'unit-dir': { type: 'string', value: 'DIR', help: 'where to write the unit (default /etc/systemd/system)' },
    },
    maxPositionals: 0,
    errorFormat: 'text',
  },
  version: {
    name: 'version',
    synopsis: '[--json]',
    summary: 'print the agent version',
    options: { json: { type: 'boolean', help: 'version, protocol, node and platform as JSON' } },
    maxPositionals: 0,
    errorFormat: 'text',
  },
};

export function isCommandName(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** The exit statuses every command keeps to (README "Exit status"). */
export const EXIT = {
  ok: 0,
  /** The command failed while running (the host, the daemon, a procedure said no). */
  failure: 1,
  /** The command line, the environment or the config file is wrong; nothing was done. */
  usage: 2,
} as const;
