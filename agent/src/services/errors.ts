/**
 * ServiceError: the one error class of the services layer. It carries an `appCode` from the
 * API's closed set (rpc/errors.ts reads it duck-typed from the cause chain), a message written
 * for the admin, optional per-field issues, and the lower error as `cause`.
 *
 * `toServiceError` is the single translation point for lower layers: DbError codes, validation
 * issues, wg-quick parse errors, WireGuard/netlink errno, secrets failures. Anything unknown is
 * INTERNAL, keeping the original as cause (Cockpit's "when in doubt, internal-error").
 */
import { DbError } from '../db/errors.js';
import { CidrError } from '../domain/cidr.js';
import { EndpointError } from '../domain/endpoint.js';
import { IpamError } from '../domain/ipam.js';
import { ValidationError, type Issue } from '../domain/validate.js';
import { WgQuickParseError } from '../domain/wgquick-parse.js';
import { NetlinkError } from '../netlink/conn/errors.js';
import { NftablesInputError } from '../netlink/families/nftables/errors.js';
import type { AppCode } from '../rpc/errors.js';
import { SecretsError } from '../secrets/errors.js';
import { ConfigError, WireGuardError } from '../wireguard/errors.js';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly appCode: AppCode,
    message: string,
    options: { cause?: unknown; issues?: Issue[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.issues = options.issues ?? [];
  }
  readonly issues: Issue[];
}

export const invalid = (message: string, issues?: Issue[]): ServiceError => new ServiceError('INVALID_INPUT', message, { issues });
export const notFound = (message: string): ServiceError => new ServiceError('NOT_FOUND', message);
export const conflict = (message: string, cause?: unknown): ServiceError => new ServiceError('CONFLICT', message, { cause });

const DB_CODES: Record<DbError['code'], AppCode> = {
  conflict: 'CONFLICT',
  'not-found': 'NOT_FOUND',
  invalid: 'INVALID_INPUT',
  migration: 'INTERNAL',
  'checksum-mismatch': 'INTERNAL',
  'schema-too-new': 'CONFLICT',
  integrity: 'INTERNAL',
  restore: 'INVALID_INPUT',
};

/** Kernel errnos that mean "the request cannot be done here" rather than a bug. */
const KERNEL_CODES: Record<string, AppCode> = {
  EEXIST: 'CONFLICT',
  EADDRINUSE: 'CONFLICT',
  EBUSY: 'BUSY',
  ENODEV: 'NOT_FOUND',
  ENOENT: 'NOT_FOUND',
  EPERM: 'FORBIDDEN',
  EACCES: 'FORBIDDEN',
  EOPNOTSUPP: 'UNSUPPORTED',
  EINVAL: 'INVALID_INPUT',
  ETIMEDOUT: 'TIMEOUT',
};

/** toServiceError translates any error from the layers below into a ServiceError. */
export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof ValidationError) return new ServiceError('INVALID_INPUT', err.message, { cause: err, issues: err.issues });
  if (err instanceof WgQuickParseError) {
    return new ServiceError('INVALID_INPUT', `not a valid wg-quick file: ${err.message}`, {
      cause: err,
      issues: err.issues.map((i) => ({ field: `line ${i.line}`, message: i.message })),
    });
  }
  if (err instanceof DbError) return new ServiceError(DB_CODES[err.code], err.message, { cause: err });
  if (err instanceof ConfigError || err instanceof NftablesInputError || err instanceof CidrError || err instanceof EndpointError) {
    return new ServiceError('INVALID_INPUT', err.message, { cause: err });
  }
  // An exhausted subnet is a conflict with the peers already there; anything else is bad input.
  if (err instanceof IpamError) return new ServiceError(/no free/.test(err.message) ? 'CONFLICT' : 'INVALID_INPUT', err.message, { cause: err });
  if (err instanceof WireGuardError) return new ServiceError(KERNEL_CODES[err.code] ?? 'INTERNAL', err.message, { cause: err });
  if (err instanceof NetlinkError) return new ServiceError(KERNEL_CODES[err.code] ?? 'INTERNAL', `${err.op ?? 'netlink'}: ${err.message}`, { cause: err });
  if (err instanceof SecretsError) return new ServiceError('INTERNAL', `secrets: ${err.message}`, { cause: err });
  return new ServiceError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

/** message of any thrown value, for reports and pending-op journals. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
