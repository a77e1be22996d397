/**
 * Child process for the nftables / sock_diag permission tests, run as `nobody` inside a test
 * namespace (already entered by `ip netns exec`). Changing or even reading nf_tables needs
 * CAP_NET_ADMIN, so both must fail with a typed NetlinkError EPERM; listing sockets is allowed,
 * and the owner scan must skip root's unreadable /proc/<pid>/fd instead of failing.
 * Prints one JSON line.
 */
import { NetlinkError } from '../../../../agent/src/netlink/conn/errors.js';
import { NfTables, forwardInterfacesRule } from '../../../../agent/src/netlink/families/nftables/index.js';
import { SockDiag } from '../../../../agent/src/netlink/families/sockdiag/index.js';
import { loadLibc } from '../../../../agent/src/netlink/ffi/libc.js';

const describe = (e: unknown): Record<string, unknown> =>
  e instanceof NetlinkError
    ? { class: 'NetlinkError', code: e.code, errno: e.errno, message: e.message, op: e.op }
    : { class: e instanceof Error ? e.name : 'other', message: String(e) };

const libc = loadLibc();
const result: Record<string, unknown> = { uid: process.getuid?.() };

const nft = NfTables.open(libc);
try {
  await nft.ensureTable();
  result.ensureTable = 'succeeded';
} catch (e) {
  result.ensureTable = describe(e);
}
try {
  await nft.addRule(forwardInterfacesRule({ inInterface: 'wg0', outInterface: 'eth0' }));
  result.addRule = 'succeeded';
} catch (e) {
  result.addRule = describe(e);
}
try {
  result.listRules = (await nft.listRules()).length;
} catch (e) {
  result.listRules = describe(e);
}
nft.close();

const diag = SockDiag.open(libc);
try {
  const sockets = await diag.list({ protocol: 'udp', owners: true });
  result.sockets = sockets.map((s) => ({ port: s.localPort, owners: s.processes?.length ?? -1 }));
} catch (e) {
  result.sockets = describe(e);
}
diag.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
