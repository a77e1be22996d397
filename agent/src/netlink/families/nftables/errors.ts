/**
 * Errors of the nftables family. Kernel refusals are conn's NetlinkError (errno code plus the
 * kernel's extended-ACK text), with `op` naming the failing batch message as nft would write it;
 * NftablesInputError is raised before anything is sent, for input the kernel would either
 * reject or, worse, accept with a different meaning (an interface name truncated to 15 bytes).
 */

export class NftablesInputError extends Error {
  override readonly name = 'NftablesInputError';
  constructor(
    /** Which input was wrong: 'iifname', 'saddr', 'comment', 'chain', ... */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}
