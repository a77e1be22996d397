/**
 * Child process for the permission test, run as `nobody` inside a test namespace: a privileged
 * request must fail with a typed NetlinkError EPERM, reading must still work, and switching
 * namespaces must fail with a typed SyscallError EPERM. Prints one JSON line.
 */
import { NetlinkConnection } from '../../../../agent/src/netlink/conn/connection.js';
import { NetlinkError } from '../../../../agent/src/netlink/conn/errors.js';
import { createVeth, listLinks } from '../../../../agent/src/netlink/families/route/index.js';
import { SyscallError } from '../../../../agent/src/netlink/ffi/errors.js';
import { loadLibc } from '../../../../agent/src/netlink/ffi/libc.js';
import { NETLINK_ROUTE } from '../../../../agent/src/netlink/wire/uapi/netlink.js';

const describe = (e: unknown): Record<string, unknown> =>
  e instanceof NetlinkError
    ? { class: 'NetlinkError', code: e.code, errno: e.errno, message: e.message, op: e.op }
    : e instanceof SyscallError
      ? { class: 'SyscallError', code: e.code, errno: e.errno, syscall: e.syscall }
      : { class: 'other', message: String(e) };

const libc = loadLibc();
const result: Record<string, unknown> = { uid: process.getuid?.() };
const nl = NetlinkConnection.open(libc, NETLINK_ROUTE);
try {
  result.links = (await listLinks(nl)).length;
  await createVeth(nl, 'nltperm0', 'nltperm1');
  result.create = 'succeeded';
} catch (e) {
  result.create = describe(e);
} finally {
  nl.close();
}
try {
  NetlinkConnection.open(libc, NETLINK_ROUTE, { netns: process.argv[2] ?? '' }).close();
  result.setns = 'succeeded';
} catch (e) {
  result.setns = describe(e);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
