/**
 * Address families and socket levels from <sys/socket.h> (<bits/socket.h> on glibc) that appear
 * inside netlink messages (ifaddrmsg.ifa_family, rtmsg.rtm_family, sockaddr_* in attributes).
 */

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

/** Level for netlink socket options (NETLINK_EXT_ACK, NETLINK_ADD_MEMBERSHIP, ...). */
export const SOL_NETLINK = 270;
