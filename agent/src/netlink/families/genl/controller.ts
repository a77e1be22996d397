/**
 * The generic netlink controller (family "nlctrl", GENL_ID_CTRL): resolves a family name to the
 * dynamic id its messages must carry, with its version, ops and multicast groups.
 *
 * Design decisions:
 * - A missing family is an answer, not a failure: the kernel says ENOENT when the module is not
 *   loaded (this host: "wireguard"), and callers branch on that (fall back to wireguard-go,
 *   print a diagnose line). So `resolveFamily` returns `{ available: false }` for ENOENT and
 *   throws only for real errors (EPERM, a closed socket).
 * - Family ids are dynamic (ethtool was 21 on one boot); resolve once per connection owner and
 *   keep the result, never hard-code an id.
 */
import type { NetlinkRequester } from '../../conn/connection.js';
import { NetlinkError } from '../../conn/errors.js';
import { AttributeDecoder, type RawAttribute } from '../../wire/attribute.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import { decodeGenlmsghdr, encodeGenlmsghdr, SIZEOF_GENLMSGHDR } from '../../wire/family_headers.js';
import type { NetlinkMessage } from '../../wire/message.js';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OPS,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
} from '../../wire/uapi/genetlink.js';

/** The controller's own protocol version (CTRL_ATTR_VERSION of nlctrl is 2; requests say 1). */
const CTRL_VERSION = 1;

export interface GenlMulticastGroup {
  name: string;
  id: number;
}

export interface GenlOp {
  /** Family command number. */
  id: number;
  /** GENL_* op flags (GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP, ...). */
  flags: number;
}

/** GenlFamily is one registered generic netlink family. */
export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  headerSize: number;
  maxAttribute: number;
  ops: GenlOp[];
  multicastGroups: GenlMulticastGroup[];
  unknown: RawAttribute[];
}

/** FamilyLookup: the family, or why it is not there (ENOENT: module not loaded). */
export type FamilyLookup =
  | { available: true; family: GenlFamily }
  | { available: false; name: string; errno: number; reason: string };

/**
 * resolveFamily looks a family up by name.
 *
 * Equivalent to: `genl ctrl get name <name>`.
 */
export async function resolveFamily(nl: NetlinkRequester, name: string): Promise<FamilyLookup> {
  const data = Buffer.concat([
    encodeGenlmsghdr({ command: CTRL_CMD_GETFAMILY, version: CTRL_VERSION }),
    new AttributeEncoder().string(CTRL_ATTR_FAMILY_NAME, name).finish(),
  ]);
  try {
    const ack = await nl.request({ type: GENL_ID_CTRL, flags: 0, data }, { op: `CTRL_CMD_GETFAMILY ${name}` });
    const reply = ack.messages.find((m) => m.header.type === GENL_ID_CTRL);
    if (!reply) throw new Error(`CTRL_CMD_GETFAMILY ${name}: no family in the reply`);
    return { available: true, family: decodeFamily(reply) };
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'ENOENT') {
      return { available: false, name, errno: err.errno, reason: `generic netlink family "${name}" is not registered (kernel module not loaded?)` };
    }
    throw err;
  }
}

/**
 * listFamilies dumps every registered family.
 *
 * Equivalent to: `genl ctrl list`.
 */
export function listFamilies(nl: NetlinkRequester): Promise<GenlFamily[]> {
  const data = encodeGenlmsghdr({ command: CTRL_CMD_GETFAMILY, version: CTRL_VERSION });
  return nl.dump({ type: GENL_ID_CTRL, flags: 0, data }, decodeFamily, { op: 'CTRL_CMD_GETFAMILY' });
}

/** decodeFamily parses a CTRL_CMD_NEWFAMILY message (the controller's answer format). */
export function decodeFamily(msg: NetlinkMessage): GenlFamily {
  const hdr = decodeGenlmsghdr(msg.data);
  if (hdr.command !== CTRL_CMD_NEWFAMILY) throw new Error(`nlctrl: expected CTRL_CMD_NEWFAMILY, got command ${hdr.command}`);
  const family: GenlFamily = { id: 0, name: '', version: 0, headerSize: 0, maxAttribute: 0, ops: [], multicastGroups: [], unknown: [] };
  for (const a of new AttributeDecoder(msg.data.subarray(SIZEOF_GENLMSGHDR))) {
    switch (a.type) {
      case CTRL_ATTR_FAMILY_ID: family.id = a.u16(); break;
      case CTRL_ATTR_FAMILY_NAME: family.name = a.string(); break;
      case CTRL_ATTR_VERSION: family.version = a.u32(); break;
      case CTRL_ATTR_HDRSIZE: family.headerSize = a.u32(); break;
      case CTRL_ATTR_MAXATTR: family.maxAttribute = a.u32(); break;
      case CTRL_ATTR_OPS:
        family.ops = [...a.nested()].map((op) => {
          const o = op.nested();
          return { id: o.u32(CTRL_ATTR_OP_ID) ?? 0, flags: o.u32(CTRL_ATTR_OP_FLAGS) ?? 0 };
        });
        break;
      case CTRL_ATTR_MCAST_GROUPS:
        family.multicastGroups = [...a.nested()].map((g) => {
          const n = g.nested();
          return { name: n.string(CTRL_ATTR_MCAST_GRP_NAME) ?? '', id: n.u32(CTRL_ATTR_MCAST_GRP_ID) ?? 0 };
        });
        break;
      default: family.unknown.push(a.raw());
    }
  }
  return family;
}
