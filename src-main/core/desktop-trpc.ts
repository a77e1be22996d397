/**
 * The desktop router's tRPC instance and its error translation: every domain error of the core
 * (host keys, SSH, deployment, sudo, profiles, the agent link) reaches the UI with its message and
 * a stable `appCode`; errors the agent reported pass through with the agent's own appCode (and issues).
 */
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { TRPCClientError } from '@trpc/client';
import { DeployError } from './agent-deploy.js';
import { AgentLinkError } from './agent-link.js';
import type { HostManager } from './hosts.js';
import { PrivilegeError } from './privilege.js';
import { ProfileError } from './profiles.js';
import { HostKeyError, SshError, type HostKeyInfo } from './ssh.js';

export interface DesktopContext {
  hosts: HostManager;
  mode: 'electron' | 'browser';
  version: string;
  /** The desktop log ("Open logs"); absent where the shell keeps none (tests). */
  logs?: DesktopLogs | undefined;
}

/** The desktop's log as the UI reaches it: Electron opens the folder, browser mode shows the tail. */
export interface DesktopLogs {
  dir: string;
  file: string;
  /** The last `maxBytes` of the log, from a line start. */
  tail(maxBytes: number): string;
  /** Opens the folder in the OS file manager (Electron's shell); absent in browser mode. */
  openFolder?: (() => Promise<void>) | undefined;
}

/** The closed set of error codes the UI understands, beside tRPC's own (agent codes pass through). */
export type DesktopErrorCode =
  | HostKeyError['code']
  | SshError['code']
  | DeployError['code']
  | AgentLinkError['code']
  | PrivilegeError['code']
  | ProfileError['code']
  | 'HOST_NOT_CONNECTED'
  | 'INTERNAL';

type DomainError = HostKeyError | SshError | DeployError | AgentLinkError | PrivilegeError | ProfileError;

const isDomain = (e: unknown): e is DomainError =>
  e instanceof HostKeyError || e instanceof SshError || e instanceof DeployError || e instanceof AgentLinkError || e instanceof PrivilegeError || e instanceof ProfileError;

/** The agent's error data on a TRPCClientError, when the agent (not the link) failed the call. */
function agentErrorData(e: unknown): { code?: string; appCode?: string; issues?: unknown } | undefined {
  return e instanceof TRPCClientError ? (e.data as { code?: string; appCode?: string; issues?: unknown } | undefined) : undefined;
}

/** One per-field issue of an agent INVALID_INPUT error (agent/PROTOCOL.md "Errors"), forwarded as is. */
export interface AgentIssue {
  path: string;
  message: string;
  severity?: 'error' | 'warning';
}

// isDev off: the renderer (a browser page in browser mode) never sees the core's stack traces;
// they stay in the error's cause for logs. The formatter also drops any `stack` it is handed.
export const t = initTRPC.context<DesktopContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let appCode: string = 'INTERNAL';
    if (isDomain(cause)) appCode = cause.code;
    else if (cause instanceof TRPCClientError && cause.cause instanceof AgentLinkError) appCode = cause.cause.code;
    else if (agentErrorData(cause)?.appCode) appCode = agentErrorData(cause)!.appCode!;
    else if ((cause as { appCode?: unknown } | undefined)?.appCode === 'HOST_NOT_CONNECTED') appCode = 'HOST_NOT_CONNECTED';
    const hostKey: HostKeyInfo | undefined = cause instanceof HostKeyError ? cause.info : undefined;
    // The agent's per-field issues (INVALID_INPUT) pass through unchanged, like its appCode.
    const issues = agentErrorData(cause)?.issues;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    return { ...shape, data: { ...data, appCode, hostKey, ...(Array.isArray(issues) ? { issues: issues as AgentIssue[] } : {}) } };
  },
});

const TRPC_CODE_OF: Partial<Record<string, TRPC_ERROR_CODE_KEY>> = {
  HOST_KEY_UNKNOWN: 'FORBIDDEN',
  HOST_KEY_CHANGED: 'FORBIDDEN',
  HOST_KEY_REVOKED: 'FORBIDDEN',
  AUTH_FAILED: 'UNAUTHORIZED',
  PASSPHRASE_REQUIRED: 'UNAUTHORIZED',
  PASSPHRASE_WRONG: 'UNAUTHORIZED',
  SUDO_PASSWORD_REQUIRED: 'UNAUTHORIZED',
  SUDO_PASSWORD_WRONG: 'UNAUTHORIZED',
  SUDO_NOT_ALLOWED: 'FORBIDDEN',
  PROFILE_NOT_FOUND: 'NOT_FOUND',
  PROFILE_INVALID: 'BAD_REQUEST',
};

/** Rethrows domain and agent errors as TRPCErrors that keep the original as `cause`. */
export function translate(err: unknown): never {
  if (isDomain(err)) throw new TRPCError({ code: TRPC_CODE_OF[err.code] ?? 'BAD_REQUEST', message: err.message, cause: err });
  if (err instanceof TRPCClientError) {
    const code = (agentErrorData(err)?.code ?? 'INTERNAL_SERVER_ERROR') as TRPC_ERROR_CODE_KEY;
    throw new TRPCError({ code: err.cause instanceof AgentLinkError ? 'BAD_GATEWAY' : code, message: err.message, cause: err });
  }
  throw err;
}

/** Wraps a handler so its domain errors reach the UI with a stable code. */
export function domain<T>(fn: () => Promise<T> | T): Promise<T> {
  return Promise.resolve()
    .then(fn)
    .catch((err: unknown) => translate(err));
}
