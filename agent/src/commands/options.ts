/**
 * Settings of a command, from three sources with a fixed precedence: command-line flag, then
 * environment variable, then the config file (config.ts), then the default. Flags win so that a
 * one-off run can override the installed config; the environment wins over the file so that
 * tests run several agents side by side without writing config files.
 *
 * Every value is checked here, and a bad one is a UsageError naming where it came from
 * (`--log-level`, `$WGPILOT_LOG_LEVEL`, or the config file and key) — never silently replaced
 * by a default.
 */
import path from 'node:path';
import { isLogFormat, isLogLevel, type LogFormat, type LogLevel } from '../log.js';
import { UsageError, type OptionValues } from './args.js';
import { ConfigError, listenProblem, loadConfig, MAX_RECONCILE_INTERVAL_SECONDS, type AgentConfig } from './config.js';
import type { CommandName } from './specs.js';

export const DEFAULT_STATE_DIR = '/var/lib/wgpilot';
/** The daemon's socket, inside the state dir. */
export const SOCKET_NAME = 'agent.sock';

export interface AgentSettings {
  /** The config file read (or that would have been read: the default path may be absent). */
  configFile: string;
  config: AgentConfig;
  stateDir: string;
  /** Undefined: the command's default (info; `call` in-process: warn). */
  logLevel: LogLevel | undefined;
  logFormat: LogFormat;
  /** Undefined: the services' default (30 s). 0 = off. */
  reconcileIntervalMs: number | undefined;
  monitorIntervalMs: number | undefined;
  /** Reserved (config `metrics.listen`, `--metrics-listen`): nothing listens yet. */
  metricsListen: string | undefined;
  netns: string | undefined;
  interfacePrefix: string | undefined;
  wireguardGo: string | undefined;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const env1 = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name] || undefined;

/** A non-negative integer, or a UsageError naming its source. */
export function parseCount(value: string, source: string, command: CommandName, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(command, `${source}: "${value}" is not a whole number from 0 to ${max}`);
  return Number(value);
}

/**
 * resolveSettings merges flags (`values` from parseCommand), environment and config file.
 * Throws UsageError for a bad flag or variable and for a bad config file (ConfigError as cause).
 */
export function resolveSettings(command: CommandName, values: OptionValues, env: NodeJS.ProcessEnv): AgentSettings {
  const explicitConfig = str(values.config) ?? env1(env, 'WGPILOT_CONFIG');
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(explicitConfig === undefined ? undefined : path.resolve(explicitConfig));
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(command, err.message, { cause: err });
    throw err;
  }
  const { config, file } = loaded;

  const level = pick(values['log-level'], '--log-level', env, 'WGPILOT_LOG_LEVEL', config.logLevel, file, 'logLevel');
  if (level && !isLogLevel(level.value)) throw new UsageError(command, `${level.source}: "${level.value}" is not one of debug, info, warn, error`);
  const format = pick(values['log-format'], '--log-format', env, 'WGPILOT_LOG_FORMAT', config.logFormat, file, 'logFormat');
  if (format && !isLogFormat(format.value)) throw new UsageError(command, `${format.source}: "${format.value}" is not one of auto, journal, text, json`);

  let reconcileIntervalMs: number | undefined;
  const flagInterval = str(values['reconcile-interval']);
  if (flagInterval !== undefined) reconcileIntervalMs = 1000 * parseCount(flagInterval, '--reconcile-interval', command, MAX_RECONCILE_INTERVAL_SECONDS);
  else if (env1(env, 'WGPILOT_RECONCILE_INTERVAL_MS') !== undefined) reconcileIntervalMs = parseCount(env.WGPILOT_RECONCILE_INTERVAL_MS!, '$WGPILOT_RECONCILE_INTERVAL_MS', command);
  else if (config.reconcileIntervalSeconds !== undefined) reconcileIntervalMs = 1000 * config.reconcileIntervalSeconds;
  const monitor = env1(env, 'WGPILOT_MONITOR_INTERVAL_MS');

  const metricsListen = str(values['metrics-listen']) ?? config.metrics?.listen;
  const metricsProblem = str(values['metrics-listen']) !== undefined ? listenProblem(str(values['metrics-listen'])!) : null;
  if (metricsProblem) throw new UsageError(command, `--metrics-listen: ${metricsProblem}`);

  const stateDir = str(values['state-dir']) ?? env1(env, 'WGPILOT_STATE_DIR') ?? config.stateDir ?? DEFAULT_STATE_DIR;
  return {
    configFile: file,
    config,
    stateDir: path.resolve(stateDir),
    logLevel: level?.value as LogLevel | undefined,
    logFormat: (format?.value as LogFormat | undefined) ?? 'auto',
    reconcileIntervalMs,
    monitorIntervalMs: monitor === undefined ? undefined : parseCount(monitor, '$WGPILOT_MONITOR_INTERVAL_MS', command),
    metricsListen,
    netns: str(values.netns) ?? env1(env, 'WGPILOT_NETNS'),
    interfacePrefix: str(values['interface-prefix']) ?? env1(env, 'WGPILOT_INTERFACE_PREFIX'),
    wireguardGo: str(values['wireguard-go']) ?? env1(env, 'WGPILOT_WIREGUARD_GO'),
  };
}

/** The first of flag, variable, config key that is set, with where it came from. */
function pick(
  flagValue: string | boolean | undefined,
  flagName: string,
  env: NodeJS.ProcessEnv,
  varName: string,
  configValue: string | undefined,
  file: string,
  key: string,
): { value: string; source: string } | undefined {
  if (typeof flagValue === 'string') return { value: flagValue, source: flagName };
  const v = env1(env, varName);
  if (v !== undefined) return { value: v, source: `$${varName}` };
  if (configValue !== undefined) return { value: configValue, source: `${file}: "${key}"` };
  return undefined;
}

export function socketPath(settings: Pick<AgentSettings, 'stateDir'>): string {
  return path.join(settings.stateDir, SOCKET_NAME);
}
