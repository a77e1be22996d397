/**
 * Lab builds wgpilot test hosts out of network namespaces on this machine: a managed host
 * running OpenSSH, peer namespaces for WireGuard clients and an "outside" network behind the
 * host. See README.md for the topology. Needs root.
 *
 * Design decisions:
 * - Everything is derived from the options (`planLab`), nothing from saved state, so `down`
 *   cleans up a half-built lab even when the lab dir is gone.
 * - `up` checks each object before creating it instead of tearing down first, so a second
 *   `up` keeps the same keys and sshd pid (tests and a running app can share one lab).
 * - Processes are found by namespace (`ip netns pids`), not by name, so `down` stops exactly
 *   what ran inside the lab: both sshds, wireguard-go and iperf3 started by tests, and nothing else.
 * - The lab's users (users.ts) are the one part outside namespaces and the lab dir; they too are
 *   found by name (`<name>-op`, `<name>-pw`), so `down` removes them from any partial state.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { addressHolder, claimLab, releaseLab } from './claims.js';
import {
  SSH_PORT, ensureSshd, knownHostsLine, readPublicKey, sshPaths, sshdPid, writeSshFiles, type SshPaths,
} from './sshd.js';
import { killNamespaceProcesses, listNamespaces, run, type RunOptions, type RunResult } from './sys.js';
import { isLabNamespace, planLab, type LabOptions, type Topology, type VethPlan } from './topology.js';
import { ensureUsers, removeUsers, usersPlan, usersPresent, usersStatus, type UsersPlan, type UsersStatus } from './users.js';

export type { LabOptions } from './topology.js';
export type { RunOptions, RunResult } from './sys.js';
export type { LabUser, UsersStatus } from './users.js';

export interface LabPeerStatus {
  index: number;
  ns: string;
  address: string;
  hostAddress: string;
  hostIf: string;
  peerIf: string;
}

/** The outside sshd: a ProxyJump target, reachable only through the host. */
export interface LabOutsideSsh {
  address: string;
  port: number;
  hostKeyPath: string;
  /** "ssh-ed25519 AAAA…", null before the first `up`. */
  hostPublicKey: string | null;
  /** "<address> ssh-ed25519 AAAA…" as in `<dir>/known_hosts`, null before the first `up`. */
  knownHostsLine: string | null;
  sshdPid: number | null;
}

export interface LabStatus {
  name: string;
  dir: string;
  /** True when every namespace, the root link, both sshds, both users and their sudo rule are there. */
  up: boolean;
  host: {
    ns: string;
    address: string;
    rootAddress: string;
    sshPort: number;
    user: 'root';
    keyPath: string;
    hostKeyPath: string;
    /** "ssh-ed25519 AAAA…", null before the first `up`. */
    hostPublicKey: string | null;
    knownHostsPath: string;
    sshConfigPath: string;
    sshdPid: number | null;
  };
  peers: LabPeerStatus[];
  outside: { ns: string; address: string; hostAddress: string; hostIf: string; outsideIf: string; ssh: LabOutsideSsh };
  /** Non-root users of both sshds, logging in with the lab key: sudo without / with a password. */
  users: UsersStatus;
}

/** wireguard-go's UAPI sockets; one directory shared by every namespace. */
const WG_SOCKET_DIR = '/var/run/wireguard';
/** How long `down` waits for the kernel to free a deleted namespace's veths (async cleanup). */
const NETNS_CLEANUP_MS = 3_000;

/** assertRoot throws the one-line explanation every lab entry point gives to non-root users. */
export function assertRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the wgpilot lab creates network namespaces and needs root (run as root, e.g. sudo npm run lab -- up)');
  }
}

/** ipIn is argv for `ip` acting in `ns` (`ip -n ns …`), or in the root namespace for null. */
function ipIn(ns: string | null, ...args: string[]): string[] {
  return ns === null ? ['ip', ...args] : ['ip', '-n', ns, ...args];
}

async function linkExists(ns: string | null, ifname: string): Promise<boolean> {
  return run(ipIn(ns, 'link', 'show', 'dev', ifname)).then(() => true, () => false);
}

export class Lab {
  readonly #topo: Topology;
  readonly #ssh: SshPaths;
  readonly #users: UsersPlan;

  constructor(options: LabOptions = {}) {
    this.#topo = planLab(options);
    this.#ssh = sshPaths(this.#topo);
    this.#users = usersPlan(this.#topo);
  }

  get name(): string {
    return this.#topo.name;
  }

  /**
   * up builds whatever part of the lab is missing and returns its status. Idempotent: a lab
   * that is already up keeps its keys, links and sshd process.
   */
  async up(): Promise<LabStatus> {
    assertRoot();
    const t = this.#topo;
    const u = this.#users;
    await this.#claim();
    await writeSshFiles(t, this.#ssh, ['root', u.nopasswd.name, u.passwd.name]);
    await ensureUsers(t, u);
    const present = new Set(await listNamespaces());
    for (const ns of t.namespaces) {
      if (!present.has(ns)) await run(['ip', 'netns', 'add', ns]);
      await run(ipIn(ns, 'link', 'set', 'lo', 'up'));
    }
    for (const v of t.veths) await this.#ensureVeth(v);
    // Forwarding is per namespace: this never touches the root namespace's sysctls.
    await this.exec(t.hostNs, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    for (const p of t.peers) await run(ipIn(p.ns, 'route', 'replace', 'default', 'via', p.hostAddress));
    await run(ipIn(t.outNs, 'route', 'replace', 'default', 'via', t.outside.hostAddress));
    await ensureSshd(this.#ssh.host);
    await ensureSshd(this.#ssh.out);
    return this.status();
  }

  /**
   * #claim takes the lab's block and name (claims.ts) and checks that no unclaimed interface in
   * the root namespace already holds an address of the block; either conflict is an error that
   * names the other lab, before anything is created.
   */
  async #claim(): Promise<void> {
    const t = this.#topo;
    await claimLab(t.name, t.block, { isAlive: async (name) => (await listNamespaces()).some((ns) => isLabNamespace(name, ns)) });
    const holder = addressHolder((await run(['ip', '-j', 'addr', 'show'])).stdout, t.block, t.rootIf);
    if (holder) {
      await releaseLab(t.name);
      const other = /^([a-z][a-z0-9]{0,9})-root$/.exec(holder.ifname)?.[1];
      throw new Error(
        `address block 198.${t.block}.0.0/16 is in use by ${other ? `lab '${other}' (` : ''}interface ${holder.ifname}, ${holder.address}${other ? ')' : ''}; ` +
          `bring it down first${other ? ` (npm run lab -- down --name ${other})` : ''} or use the other block (--block ${t.block === 18 ? 19 : 18})`,
      );
    }
  }

  /**
   * down removes everything the lab made, in an order that works from any partial state:
   * processes first (they hold namespaces, sockets and the lab users), then the users and their
   * sudo rule, sockets, namespaces (taking their veths along), the root link and the lab dir.
   * Idempotent.
   */
  async down(): Promise<void> {
    assertRoot();
    const t = this.#topo;
    const namespaces = (await listNamespaces()).filter((ns) => isLabNamespace(t.name, ns));
    await Promise.all(namespaces.map((ns) => killNamespaceProcesses(ns)));
    await removeUsers(t, this.#users);
    const sockets = await readdir(WG_SOCKET_DIR).catch(() => [] as string[]);
    for (const f of sockets.filter((s) => s.startsWith(`${t.name}-`))) {
      await rm(`${WG_SOCKET_DIR}/${f}`, { force: true });
    }
    for (const ns of namespaces) await run(['ip', 'netns', 'del', ns]);
    // The kernel frees a namespace's devices asynchronously; give it a moment before deleting
    // the root end by hand, which only matters if the pair never reached the host namespace.
    const deadline = Date.now() + NETNS_CLEANUP_MS;
    while ((await linkExists(null, t.rootIf)) && Date.now() < deadline) await sleep(50);
    if (await linkExists(null, t.rootIf)) {
      await run(['ip', 'link', 'del', 'dev', t.rootIf]).catch(async (err: unknown) => {
        if (await linkExists(null, t.rootIf)) throw err;
      });
    }
    await rm(t.dir, { recursive: true, force: true });
    await releaseLab(t.name);
  }

  /**
   * status reports names, addresses, key paths and liveness, judged from the live system
   * (namespaces, root link, sshds in their namespaces, users) rather than from anything `up`
   * saved, except the sudo password, which only the lab dir knows.
   */
  async status(): Promise<LabStatus> {
    const t = this.#topo;
    const { host, out } = this.#ssh;
    const present = new Set(await listNamespaces());
    const nsUp = t.namespaces.every((ns) => present.has(ns));
    const pid = present.has(host.ns) ? await sshdPid(host) : null;
    const outPid = present.has(out.ns) ? await sshdPid(out) : null;
    const outPub = await readPublicKey(out.hostKey);
    const up = nsUp && pid !== null && outPid !== null && (await linkExists(null, t.rootIf))
      && (await usersPresent(this.#users));
    return {
      name: t.name,
      dir: t.dir,
      up,
      host: {
        ns: t.hostNs,
        address: t.hostAddress,
        rootAddress: t.rootAddress,
        sshPort: SSH_PORT,
        user: 'root',
        keyPath: this.#ssh.clientKey,
        hostKeyPath: host.hostKey,
        hostPublicKey: await readPublicKey(host.hostKey),
        knownHostsPath: this.#ssh.knownHosts,
        sshConfigPath: this.#ssh.sshConfig,
        sshdPid: pid,
      },
      peers: t.peers.map((p) => ({ ...p })),
      outside: {
        ...t.outside,
        ssh: {
          address: out.address,
          port: SSH_PORT,
          hostKeyPath: out.hostKey,
          hostPublicKey: outPub,
          knownHostsLine: outPub === null ? null : knownHostsLine(out, outPub),
          sshdPid: outPid,
        },
      },
      users: await usersStatus(this.#users),
    };
  }

  /**
   * exec runs argv inside one of this lab's namespaces (`ip netns exec ns …`) and resolves
   * with its output; the rejection carries the command, exit status and stderr.
   */
  exec(ns: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.#checkNs(ns);
    return run(['ip', 'netns', 'exec', ns, ...argv], opts);
  }

  /**
   * spawnIn starts a long-running process in a lab namespace (`wireguard-go -f`, `iperf3 -s`)
   * and returns it. `ip netns exec` execs in place, so the child's pid is the program's own.
   * stdout/stderr are pipes by default: read them or pass `stdio` if the program is chatty.
   * `down` kills whatever is still running.
   */
  spawnIn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.#checkNs(ns);
    return spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  }

  /** #checkNs keeps exec/spawnIn inside this lab, so a typo cannot act on another namespace. */
  #checkNs(ns: string): void {
    assertRoot();
    if (!isLabNamespace(this.#topo.name, ns)) {
      throw new Error(`${ns} is not a namespace of lab ${this.#topo.name} (${this.#topo.namespaces.join(', ')})`);
    }
  }

  /**
   * #ensureVeth makes one veth pair with both ends in place, addressed and up. A lone end
   * (from an interrupted `up`) is deleted and the pair recreated.
   */
  async #ensureVeth(v: VethPlan): Promise<void> {
    const [aThere, bThere] = [await linkExists(v.aNs, v.a), await linkExists(v.bNs, v.b)];
    if (!aThere || !bThere) {
      if (aThere) await run(ipIn(v.aNs, 'link', 'del', 'dev', v.a));
      if (bThere) await run(ipIn(v.bNs, 'link', 'del', 'dev', v.b));
      // Equivalent to: ip [-n A] link add a type veth peer name b netns B
      await run(ipIn(v.aNs, 'link', 'add', v.a, 'type', 'veth', 'peer', 'name', v.b, 'netns', v.bNs));
    }
    for (const [ns, ifname, addr] of [[v.aNs, v.a, v.aAddr], [v.bNs, v.b, v.bAddr]] as const) {
      await run(ipIn(ns, 'addr', 'replace', addr, 'dev', ifname));
      await run(ipIn(ns, 'link', 'set', 'dev', ifname, 'up'));
    }
  }
}
