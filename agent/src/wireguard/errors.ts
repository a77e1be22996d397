/**
 * Errors of the WireGuard layer. Two kinds, kept apart because callers treat them differently:
 * a ConfigError is the caller's input (nothing was sent to the device; fix the field), a
 * WireGuardError is the device or its backend saying no (may have partly applied; re-read).
 * Lower-layer errors (NetlinkError, socket errors) are translated here once and kept as `cause`.
 */
import { getSystemErrorName } from 'node:util';

/** The backend operations a WireGuardError can come from. */
export type WireGuardOp = 'devices' | 'device' | 'configure' | 'create' | 'delete' | 'start' | 'stop' | 'probe';

/** ConfigError names the invalid input field ("peers[3].allowedIPs[0]") and why it is invalid. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}

export interface WireGuardErrorInit {
  device: string;
  op: WireGuardOp;
  /** Positive errno (22 for EINVAL), whatever sign the source used; 0 when there is none. */
  errno: number;
  message: string;
  cause?: unknown;
}

/**
 * WireGuardError is a failed backend operation on one device. `errno` is positive even though
 * wireguard-go sends it negated (`errno=-22`) and netlink carries it negated too, so callers can
 * compare it with `os.constants.errno` directly; `code` is its symbolic name ("EINVAL").
 */
export class WireGuardError extends Error {
  override readonly name = 'WireGuardError';
  readonly device: string;
  readonly op: WireGuardOp;
  readonly errno: number;
  readonly code: string;

  constructor(init: WireGuardErrorInit) {
    const errno = Math.abs(init.errno);
    const code = errnoName(errno);
    super(`wireguard ${init.op} ${init.device}: ${init.message}${errno !== 0 ? ` (${code})` : ''}`, {
      cause: init.cause,
    });
    this.device = init.device;
    this.op = init.op;
    this.errno = errno;
    this.code = code;
  }
}

/** errnoName maps 22 to "EINVAL"; unknown numbers become "errno 1234". */
export function errnoName(errno: number): string {
  if (errno === 0) return 'OK';
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}
