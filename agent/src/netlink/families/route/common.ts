/**
 * Helpers shared by the route family modules: link references, message assembly, results.
 */
import type { AckResult } from '../../conn/pending.js';
import type { Request } from '../../conn/connection.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import { encodeIfinfomsg } from '../../wire/family_headers.js';
import { IFNAMSIZ } from '../../wire/uapi/if.js';
import { IFLA_IFNAME } from '../../wire/uapi/if_link.js';

/** A link named by ifindex or by interface name. */
export type LinkRef = number | string;

/** Result of a change: the kernel's ext-ack warnings on the successful ACK, if any. */
export interface ChangeResult {
  warnings: string[];
}

export function changeResult(ack: AckResult): ChangeResult {
  return { warnings: ack.warnings };
}

/** checkName rejects names the kernel would refuse, before a round trip (IFNAMSIZ includes NUL). */
export function checkName(name: string): void {
  if (name.length === 0 || Buffer.byteLength(name) >= IFNAMSIZ || /[\s/:]/.test(name)) {
    throw new TypeError(`invalid interface name '${name}'`);
  }
}

/**
 * linkSelector returns the ifinfomsg and attributes that identify a link: ifi_index for a
 * number, IFLA_IFNAME for a name (the kernel resolves it, answering ENODEV when absent).
 */
export function linkSelector(ref: LinkRef, hdr: { flags?: number; change?: number } = {}): {
  header: Buffer;
  attrs: AttributeEncoder;
} {
  const attrs = new AttributeEncoder();
  if (typeof ref === 'number') return { header: encodeIfinfomsg({ index: ref, ...hdr }), attrs };
  checkName(ref);
  attrs.string(IFLA_IFNAME, ref);
  return { header: encodeIfinfomsg(hdr), attrs };
}

/** message joins a family header and attributes into a request. */
export function message(type: number, flags: number, header: Buffer, attrs?: AttributeEncoder): Request {
  return { type, flags, data: attrs ? Buffer.concat([header, attrs.finish()]) : header };
}
