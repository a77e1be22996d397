/**
 * WireError is thrown by the codec when bytes do not form a valid netlink message or attribute
 * (truncated header, length past the end, wrong payload size for a typed getter). It never
 * wraps a kernel error: those are decoded as data (see nlmsgerr.ts) and raised by conn/.
 */
export class WireError extends Error {
  override readonly name = 'WireError';
  /** Byte offset inside the buffer being decoded, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
