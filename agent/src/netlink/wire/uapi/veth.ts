/**
 * Constants from <linux/veth.h>.
 */

// Nested in IFLA_INFO_DATA of a veth: the peer is an ifinfomsg followed by IFLA_* attributes.
export const VETH_INFO_UNSPEC = 0;
export const VETH_INFO_PEER = 1;
export const VETH_INFO_MAX = 1;
