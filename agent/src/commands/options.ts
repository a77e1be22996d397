/**
 * Options shared by the agent's commands: where the state lives and how much to log. Flags win
 * over the environment, so several agents can run side by side in tests.
 */
import path from 'node:path';
import { isLogLevel, type LogLevel } from '../log.js';

export const DEFAULT_STATE_DIR = '/var/lib/wgpilot';
/** The daemon's socket, inside the state dir. */
export const SOCKET_NAME = 'agent.sock';

/** The value of `--name V` or `--name=V`, if given. */
export function flag(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === name) {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
      return v;
    }
    if (a?.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

/** --state-dir, else $WGPILOT_STATE_DIR, else /var/lib/wgpilot; always absolute. */
export function stateDir(args: readonly string[], env: NodeJS.ProcessEnv): string {
  return path.resolve(flag(args, '--state-dir') ?? (env.WGPILOT_STATE_DIR || DEFAULT_STATE_DIR));
}

export function socketPath(args: readonly string[], env: NodeJS.ProcessEnv): string {
  return path.join(stateDir(args, env), SOCKET_NAME);
}

/** $WGPILOT_LOG_LEVEL (debug|info|warn|error), default info. */
export function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  return isLogLevel(env.WGPILOT_LOG_LEVEL) ? env.WGPILOT_LOG_LEVEL : 'info';
}
