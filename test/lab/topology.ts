/**
 * Pure description of a lab: every name and address derived from the options, with no
 * side effects, so `up`, `down` and `status` agree on what the lab is without consulting
 * any saved state (the lab dir may be gone when `down` runs).
 */

export interface LabOptions {
  /** Prefix of every namespace, link, file and socket the lab makes. Default 'wgl'. */
  name?: string;
  /** Number of peer namespaces. Default 3. */
  peers?: number;
  /** Directory for keys, configs and logs. Default /run/wgpilot-lab/<name>. */
  dir?: string;
  /** Second octet of the 198.<block>.0.0/16 underlay. Default 18. */
  block?: number;
}

/** One veth pair: `a` lives in `aNs` (null = root namespace) with address `aAddr`, likewise b. */
export interface VethPlan {
  a: string;
  aNs: string | null;
  aAddr: string;
  b: string;
  bNs: string;
  bAddr: string;
}

export interface PeerPlan {
  index: number;
  ns: string;
  /** Peer-side underlay address (no prefix length). */
  address: string;
  /** Host-side address of the peer link, also the peer's default gateway. */
  hostAddress: string;
  hostIf: string;
  peerIf: string;
}

export interface Topology {
  name: string;
  dir: string;
  block: number;
  hostNs: string;
  outNs: string;
  /** All lab namespaces, host first. */
  namespaces: string[];
  /** Root side of the root↔host link; host side is `hostAddress`. */
  rootIf: string;
  hostIf: string;
  rootAddress: string;
  hostAddress: string;
  peers: PeerPlan[];
  outside: { ns: string; address: string; hostAddress: string; hostIf: string; outsideIf: string };
  veths: VethPlan[];
}

/** Parent of every default lab dir; the lab owns it (and may open it for its users, users.ts). */
export const LAB_ROOT = '/run/wgpilot-lab';
/** IFNAMSIZ - 1: the kernel rejects longer interface names. */
const IFNAME_MAX = 15;
/**
 * NAME_MAX_LEN keeps `<name>-root` and `<name>-hp<NN>` within IFNAME_MAX; letters and digits
 * only, so `<name>-` can never be a prefix of another lab's names (no dash inside a name).
 */
const NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/;
/** The third octet 100 belongs to the outside link, so peers stop below it. */
const PEERS_MAX = 99;
/**
 * 198.18.0.0/15 is reserved for benchmarking (RFC 2544): it never routes anywhere real, so the
 * lab cannot shadow a network this machine actually uses.
 */
const BLOCKS = [18, 19];

/** planLab validates the options and derives the whole topology from them. */
export function planLab(options: LabOptions = {}): Topology {
  const name = options.name ?? 'wgl';
  const peerCount = options.peers ?? 3;
  const block = options.block ?? 18;
  if (!NAME_PATTERN.test(name)) {
    throw new Error(`lab name ${JSON.stringify(name)} must match ${NAME_PATTERN} (it prefixes interface names)`);
  }
  if (!Number.isInteger(peerCount) || peerCount < 0 || peerCount > PEERS_MAX) {
    throw new Error(`lab peers must be an integer 0..${PEERS_MAX}, got ${peerCount}`);
  }
  if (!BLOCKS.includes(block)) {
    throw new Error(`lab block must be one of ${BLOCKS.join(', ')} (198.18.0.0/15), got ${block}`);
  }
  const dir = options.dir ?? `${LAB_ROOT}/${name}`;
  if (!dir.startsWith('/') || dir.replace(/\/+$/, '') === '') {
    throw new Error(`lab dir must be an absolute path other than /, got ${JSON.stringify(dir)}`);
  }

  const net = `198.${block}`;
  const hostNs = `${name}-host`;
  const outNs = `${name}-out`;
  const peers: PeerPlan[] = [];
  for (let i = 1; i <= peerCount; i++) {
    peers.push({
      index: i,
      ns: `${name}-peer${i}`,
      address: `${net}.${i}.2`,
      hostAddress: `${net}.${i}.1`,
      hostIf: `${name}-hp${i}`,
      peerIf: `${name}-p${i}`,
    });
  }
  const outside = {
    ns: outNs,
    address: `${net}.100.2`,
    hostAddress: `${net}.100.1`,
    hostIf: `${name}-ho`,
    outsideIf: `${name}-o0`,
  };
  const topo: Topology = {
    name,
    dir,
    block,
    hostNs,
    outNs,
    namespaces: [hostNs, ...peers.map((p) => p.ns), outNs],
    rootIf: `${name}-root`,
    hostIf: `${name}-h0`,
    rootAddress: `${net}.0.1`,
    hostAddress: `${net}.0.2`,
    peers,
    outside,
    veths: [
      { a: `${name}-root`, aNs: null, aAddr: `${net}.0.1/30`, b: `${name}-h0`, bNs: hostNs, bAddr: `${net}.0.2/30` },
      ...peers.map((p) => ({
        a: p.hostIf, aNs: hostNs, aAddr: `${p.hostAddress}/24`, b: p.peerIf, bNs: p.ns, bAddr: `${p.address}/24`,
      })),
      {
        a: outside.hostIf, aNs: hostNs, aAddr: `${outside.hostAddress}/24`,
        b: outside.outsideIf, bNs: outNs, bAddr: `${outside.address}/24`,
      },
    ],
  };
  for (const v of topo.veths) {
    for (const ifname of [v.a, v.b]) {
      if (ifname.length > IFNAME_MAX) throw new Error(`interface name ${ifname} exceeds ${IFNAME_MAX} chars`);
    }
  }
  return topo;
}

/**
 * isLabNamespace tells whether `ns` is one this lab makes, judged by name alone so `down`
 * finds leftovers of a lab created with more peers than it was constructed with now.
 */
export function isLabNamespace(name: string, ns: string): boolean {
  const rest = ns.startsWith(`${name}-`) ? ns.slice(name.length + 1) : null;
  return rest !== null && /^(host|out|peer[0-9]+)$/.test(rest);
}
