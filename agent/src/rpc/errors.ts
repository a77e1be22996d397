/**
 * The API's closed set of error codes (`error.data.appCode`, agent/PROTOCOL.md "Errors").
 * Translation happens at one point, the error formatter: an error anywhere below the API raises
 * an app code by carrying an `appCode` property (duck-typed, so services and kernel layers need
 * not import the RPC layer); otherwise the tRPC code decides; when in doubt, INTERNAL.
 */
import { TRPCError, type TRPCDefaultErrorShape } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

export const APP_CODES = ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT', 'FORBIDDEN', 'UNSUPPORTED', 'BUSY', 'TOO_LARGE', 'TIMEOUT', 'INTERNAL'] as const;
export type AppCode = (typeof APP_CODES)[number];

/** The tRPC code that goes with each app code (sets the JSON-RPC code and httpStatus). */
const TRPC_CODE_OF: Record<AppCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNSUPPORTED: 'NOT_IMPLEMENTED',
  BUSY: 'TOO_MANY_REQUESTS',
  TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TIMEOUT: 'TIMEOUT',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

const APP_CODE_OF: Partial<Record<TRPC_ERROR_CODE_KEY, AppCode>> = {
  BAD_REQUEST: 'INVALID_INPUT',
  PARSE_ERROR: 'INVALID_INPUT',
  UNPROCESSABLE_CONTENT: 'INVALID_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'FORBIDDEN',
  NOT_IMPLEMENTED: 'UNSUPPORTED',
  METHOD_NOT_SUPPORTED: 'UNSUPPORTED',
  TOO_MANY_REQUESTS: 'BUSY',
  PAYLOAD_TOO_LARGE: 'TOO_LARGE',
  TIMEOUT: 'TIMEOUT',
};

export function isAppCode(value: unknown): value is AppCode {
  return typeof value === 'string' && (APP_CODES as readonly string[]).includes(value);
}

/** An error with an app code, for handlers and services that have no error class of their own. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly appCode: AppCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The app code carried by `error`'s cause chain, else the one its tRPC code implies. */
export function appCodeOf(error: TRPCError): AppCode {
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const code = (cause as { appCode?: unknown }).appCode;
    if (isAppCode(code)) return code;
  }
  return APP_CODE_OF[error.code] ?? 'INTERNAL';
}

/** One input problem of an INVALID_INPUT error: a field path (`subnet4`, `patch.mtu`) and its message. */
export interface ErrorIssue {
  path: string;
  message: string;
  severity?: 'error' | 'warning';
}

/** The error shape the agent sends: tRPC's default plus `data.appCode` (and `data.issues` for INVALID_INPUT). */
export interface AgentErrorShape extends TRPCDefaultErrorShape {
  data: TRPCDefaultErrorShape['data'] & { appCode: AppCode; issues?: ErrorIssue[] };
}

/**
 * The per-field issues in `error`'s cause chain, duck-typed: a ServiceError's `{ field, message }`
 * issues, or zod's `{ path: (string | number)[], message }` issues (path joined with '.').
 */
export function issuesOf(error: TRPCError): ErrorIssue[] | undefined {
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const list = (cause as { issues?: unknown }).issues;
    if (!Array.isArray(list) || list.length === 0) continue;
    const issues: ErrorIssue[] = [];
    for (const i of list as Array<{ field?: unknown; path?: unknown; message?: unknown }>) {
      if (typeof i !== 'object' || i === null || typeof i.message !== 'string') continue;
      const path = typeof i.field === 'string' ? i.field : Array.isArray(i.path) ? i.path.map((p) => String(p)).join('.') : '';
      issues.push({ path, message: i.message, severity: 'error' });
    }
    if (issues.length > 0) return issues;
  }
  return undefined;
}

/** The error formatter of the agent's tRPC instance: adds `data.appCode` (and `data.issues`) and aligns the codes. */
export function formatError({ shape, error }: { shape: TRPCDefaultErrorShape; error: TRPCError }): AgentErrorShape {
  const appCode = appCodeOf(error);
  const issues = appCode === 'INVALID_INPUT' ? issuesOf(error) : undefined;
  const extra = issues ? { appCode, issues } : { appCode };
  const fromTrpc = APP_CODE_OF[error.code] ?? 'INTERNAL';
  if (appCode === fromTrpc) return { ...shape, data: { ...shape.data, ...extra } };
  // A domain error wrapped as INTERNAL_SERVER_ERROR by tRPC: report the code it meant.
  const code = TRPC_CODE_OF[appCode];
  return {
    ...shape,
    code: TRPC_ERROR_CODES_BY_KEY[code],
    data: { ...shape.data, code, httpStatus: getHTTPStatusCodeFromError(new TRPCError({ code })), ...extra },
  };
}
