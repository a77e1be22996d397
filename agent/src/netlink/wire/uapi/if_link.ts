/**
 * Constants from <linux/if_link.h>, named exactly as in the uapi header.
 *
 * Only the families the agent uses (link attributes, link info, operstate, inet/inet6 AF_SPEC)
 * are generated; add more groups here rather than hand-writing numbers elsewhere.
 */

// Link attributes (RTM_NEWLINK / RTM_GETLINK).
export const IFLA_UNSPEC = 0;
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_COST = 8;
export const IFLA_PRIORITY = 9;
export const IFLA_MASTER = 10;
export const IFLA_WIRELESS = 11;
export const IFLA_PROTINFO = 12;
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_WEIGHT = 15;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_IFALIAS = 20;
export const IFLA_NUM_VF = 21;
export const IFLA_VFINFO_LIST = 22;
export const IFLA_STATS64 = 23;
export const IFLA_VF_PORTS = 24;
export const IFLA_PORT_SELF = 25;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_PHYS_PORT_ID = 34;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PHYS_SWITCH_ID = 36;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_PHYS_PORT_NAME = 38;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_PAD = 42;
export const IFLA_XDP = 43;
export const IFLA_EVENT = 44;
export const IFLA_NEW_NETNSID = 45;
export const IFLA_IF_NETNSID = 46;
export const IFLA_TARGET_NETNSID = 46;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_NEW_IFINDEX = 49;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PROTO_DOWN_REASON = 55;
export const IFLA_PARENT_DEV_NAME = 56;
export const IFLA_PARENT_DEV_BUS_NAME = 57;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61;
// Added after the generated run (kernels 6.2–6.15; numbering per <linux/if_link.h> of 6.18).
export const IFLA_DEVLINK_PORT = 62;
export const IFLA_GSO_IPV4_MAX_SIZE = 63;
export const IFLA_GRO_IPV4_MAX_SIZE = 64;
export const IFLA_DPLL_PIN = 65;
export const IFLA_MAX_PACING_OFFLOAD_HORIZON = 66;
export const IFLA_NETNS_IMMUTABLE = 67;
export const IFLA_HEADROOM = 68;
export const IFLA_TAILROOM = 69;

// Nested in IFLA_LINKINFO.
export const IFLA_INFO_UNSPEC = 0;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
export const IFLA_INFO_MAX = 5;

// Nested in IFLA_AF_SPEC / AF_INET.
export const IFLA_INET_UNSPEC = 0;
export const IFLA_INET_CONF = 1;
export const IFLA_INET_MAX = 1;

// Nested in IFLA_AF_SPEC / AF_INET6.
export const IFLA_INET6_UNSPEC = 0;
export const IFLA_INET6_FLAGS = 1;
export const IFLA_INET6_CONF = 2;
export const IFLA_INET6_STATS = 3;
export const IFLA_INET6_MCAST = 4;
export const IFLA_INET6_CACHEINFO = 5;
export const IFLA_INET6_ICMP6STATS = 6;
export const IFLA_INET6_TOKEN = 7;
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export const IFLA_INET6_RA_MTU = 9;
export const IFLA_INET6_MAX = 9;

// IFLA_LINKMODE values.
