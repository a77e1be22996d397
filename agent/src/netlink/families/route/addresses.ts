/**
 * Address operations: list, add, delete — IPv4 and IPv6.
 */
import type { NetlinkRequester } from '../../conn/connection.js';
import { parsePrefix } from '../../wire/address.js';
import { encodeIfaddrmsg } from '../../wire/family_headers.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../wire/uapi/netlink.js';
import { RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from '../../wire/uapi/rtnetlink.js';
import { AF_UNSPEC } from '../../wire/uapi/socket.js';
import { changeResult, type ChangeResult } from './common.js';
import { type Address, type AddressSpec, decodeAddress, encodeAddress } from './address.js';

export interface AddressFilter {
  /** AF_INET or AF_INET6; all families when absent. */
  family?: number;
  /** Only addresses on this ifindex (filtered by the kernel under strict checking). */
  index?: number;
}

/** AddressInput accepts "10.0.0.1/24" in `address` and derives prefixLength from it. */
export type AddressInput = Omit<AddressSpec, 'prefixLength'> & { prefixLength?: number };

function toSpec(input: AddressInput): AddressSpec {
  const p = parsePrefix(input.address);
  return { ...input, address: p.address, prefixLength: input.prefixLength ?? p.prefixLength };
}

/**
 * listAddresses dumps addresses, optionally for one family and/or link.
 * Equivalent to: `ip [-4|-6] addr show [dev <name>]`
 */
export function listAddresses(nl: NetlinkRequester, filter: AddressFilter = {}): Promise<Address[]> {
  const header = encodeIfaddrmsg({ family: filter.family ?? AF_UNSPEC, index: filter.index ?? 0 });
  return nl.dump({ type: RTM_GETADDR, flags: 0, data: header }, decodeAddress, { op: 'RTM_GETADDR' });
}

/**
 * addAddress adds an address; EEXIST if it is already there.
 * Equivalent to: `ip addr add 10.0.0.1/24 dev <name>` (`ip addr replace` with replace: true)
 */
export async function addAddress(nl: NetlinkRequester, input: AddressInput, options: { replace?: boolean } = {}): Promise<ChangeResult> {
  const flags = NLM_F_CREATE | (options.replace ? NLM_F_REPLACE : NLM_F_EXCL);
  const ack = await nl.request({ type: RTM_NEWADDR, flags, data: encodeAddress(toSpec(input)) }, { op: 'RTM_NEWADDR' });
  return changeResult(ack);
}

/**
 * deleteAddress removes an address; EADDRNOTAVAIL if it is not there.
 * Equivalent to: `ip addr del 10.0.0.1/24 dev <name>`
 */
export async function deleteAddress(nl: NetlinkRequester, input: AddressInput): Promise<ChangeResult> {
  const ack = await nl.request({ type: RTM_DELADDR, flags: 0, data: encodeAddress(toSpec(input)) }, { op: 'RTM_DELADDR' });
  return changeResult(ack);
}
