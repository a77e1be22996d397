/**
 * The agent's config file: `/etc/wgpilot/agent.json` unless `--config F` or $WGPILOT_CONFIG
 * names another. Every key is optional; command-line flags and then the environment override
 * it (options.ts). A missing file at the default path means "all defaults"; a file that was
 * named explicitly must exist.
 *
 * ```json
 * { "stateDir": "/var/lib/wgpilot", "reconcileIntervalSeconds": 30, "logLevel": "info",
 *   "logFormat": "auto", "metrics": { "listen": "127.0.0.1:9586" } }
 * ```
 *
 * Design decisions:
 * - JSON, not TOML: Node reads it without a dependency, and the agent ships as one bundle.
 * - Unknown keys are refused, naming the key and the file: a misspelt `stateDir` silently
 *   ignored would run the daemon against another database.
 * - `metrics.listen` is reserved for the coming Prometheus endpoint: parsed and validated now,
 *   so a config written today stays valid, but nothing listens yet.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { LOG_FORMATS, LOG_LEVELS } from '../log.js';
import { suggest } from './args.js';

export const DEFAULT_CONFIG_FILE = '/etc/wgpilot/agent.json';

/** Longest reconcile period accepted: a day (a longer one is a typo for "off", which is 0). */
export const MAX_RECONCILE_INTERVAL_SECONDS = 86_400;

/** ConfigError: the config file is missing (when named), unreadable, not JSON, or invalid. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${file}: ${message}`, options);
  }
}

/**
 * listenProblem checks a `host:port` listen address: an IPv4 address, `[IPv6]` or `localhost`,
 * and a port 1–65535. Returns the message of what is wrong, or null.
 */
export function listenProblem(value: string): string | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)|(localhost)):(\d{1,5})$/.exec(value);
  if (!m) return `"${value}" is not host:port (e.g. 127.0.0.1:9586 or [::1]:9586)`;
  const [, v6, v4, , port] = m;
  if (v4 !== undefined && !/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v4)) return `"${v4}" is not an IPv4 address`;
  if (v6 !== undefined && !z.ipv6().safeParse(v6).success) return `"${v6}" is not an IPv6 address`;
  const p = Number(port);
  if (p < 1 || p > 65535) return `port ${port} is not in 1–65535`;
  return null;
}

const listen = z.string().superRefine((v, ctx) => {
  const problem = listenProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const agentConfigSchema = z.strictObject({
  /** Database, secrets key and socket; absolute. */
  stateDir: z.string().startsWith('/', 'must be an absolute path').optional(),
  /** Period of the reconcile timer; 0 turns the timer off (events and writes still reconcile). */
  reconcileIntervalSeconds: z.number().int().min(0).max(MAX_RECONCILE_INTERVAL_SECONDS).optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  logFormat: z.enum(LOG_FORMATS).optional(),
  /** Reserved for the coming Prometheus endpoint. */
  metrics: z.strictObject({ listen: listen.optional() }).optional(),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** The dotted path of an issue, e.g. `metrics.listen`, or "(top level)". */
function where(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** parseConfig validates the text of a config file; errors name the key and the file. */
export function parseConfig(text: string, file: string): AgentConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, `not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = agentConfigSchema.safeParse(json);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      const parent = i.path.length ? `${where(i.path)}.` : '';
      const siblings = i.path.length === 0 ? Object.keys(agentConfigSchema.shape) : ['listen'];
      return i.keys
        .map((k) => {
          const hint = suggest(k, siblings);
          return `unknown key "${parent}${k}"${hint ? ` (did you mean "${parent}${hint}"?)` : ''}`;
        })
        .join('; ');
    }
    if (i.code === 'invalid_type' && i.path.length === 0) return 'must be a JSON object';
    return `"${where(i.path)}": ${i.message}`;
  });
  const known = Object.keys(agentConfigSchema.shape).join(', ');
  const hint = r.error.issues.some((i) => i.code === 'unrecognized_keys') ? ` (known keys: ${known}, metrics.listen)` : '';
  throw new ConfigError(file, problems.join('; ') + hint);
}

/**
 * loadConfig reads the config file: `explicit` (from --config or $WGPILOT_CONFIG) must exist;
 * the default path may be absent, which yields an empty config.
 */
export function loadConfig(explicit: string | undefined): { file: string; config: AgentConfig; found: boolean } {
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicit === undefined) return { file, config: {}, found: false };
    throw new ConfigError(file, code === 'ENOENT' ? 'no such file' : `cannot read it: ${(err as Error).message}`, { cause: err });
  }
  return { file, config: parseConfig(text, file), found: true };
}
