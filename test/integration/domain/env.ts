/**
 * A throwaway "host" for the domain integration tests: a host namespace with an uplink to an
 * outside namespace (its default route), client namespaces linked to it by veths, and the
 * agent's services running in-process against the host namespace. Clients are real
 * wireguard-go devices configured with EXACTLY the agent's generated .conf: `wg setconf` takes
 * the file minus the wg-quick-only keys (Address, DNS, MTU), which are applied with `ip`, as
 * wg-quick does. Everything made here is removed by `cleanup()` (also from a process 'exit'
 * hook): namespaces, processes in them, UAPI sockets, state dirs.
 *
 * Addresses: underlay 198.18.<block>.0/24 per link (RFC 2544 benchmark space), one block
 * range per file so files never collide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../../agent/src/log.js';
import { openHostServices, type DomainServices, type HostServicesOptions } from '../../../agent/src/services/index.js';
import { nsPids, run } from '../wireguard/netns.js';

export { run };

export interface Client {
  ns: string;
  /** The client's underlay address and the host's address on the same link. */
  address: string;
  hostAddress: string;
  /** Its WireGuard interface name (unique across namespaces). */
  wg: string;
}

export class DomainEnv {
  readonly id = randomBytes(3).toString('hex');
  readonly host: string;
  readonly outside: string;
  readonly stateDir: string;
  /** Interface prefix of the agent's networks: unique per run (UAPI sockets are shared). */
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly clients: Client[] = [];
  private readonly daemons: ChildProcess[] = [];
  private linkSeq = 0;
  private readonly onExit = (): void => this.cleanupSync();
  services: DomainServices | undefined;

  constructor(private readonly block: number) {
    this.host = `wgd-${this.id}-h`;
    this.outside = `wgd-${this.id}-o`;
    this.prefix = `wd${this.id}`;
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-domain-'));
    process.once('exit', this.onExit);
  }

  /** Outside's address: reachable from the host only (no route back to tunnel subnets). */
  get outsideAddress(): string {
    return `198.18.${this.block}.2`;
  }

  get uplinkAddress(): string {
    return `198.18.${this.block}.1`;
  }

  /** The host's public address (on its lo): every client routes it via its own link, so all use one Endpoint. */
  get publicAddress(): string {
    return `198.18.${this.block + 50}.1`;
  }

  /** up creates host + outside (the host's default route) with forwarding on. */
  async up(): Promise<void> {
    for (const ns of [this.host, this.outside]) {
      await run(['ip', 'netns', 'add', ns]);
      this.namespaces.push(ns);
      await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await this.link(this.host, `${this.uplinkAddress}/24`, this.outside, `${this.outsideAddress}/24`, 'up');
    await run(['ip', '-n', this.host, 'route', 'add', 'default', 'via', this.outsideAddress]);
    await run(['ip', '-n', this.host, 'addr', 'add', `${this.publicAddress}/32`, 'dev', 'lo']);
    await run(['ip', 'netns', 'exec', this.host, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  }

  /** startAgent opens the services in-process against the host namespace. */
  async startAgent(extra: HostServicesOptions = {}): Promise<DomainServices> {
    this.services = await openHostServices(this.stateDir, createLogger({ level: 'warn' }), {
      netns: this.host,
      interfacePrefix: this.prefix,
      reconcileIntervalMs: 0,
      monitorIntervalMs: 0,
      ...extra,
    });
    await this.services.start();
    return this.services;
  }

  async stopAgent(): Promise<void> {
    await this.services?.close();
    this.services = undefined;
  }

  /** client creates a namespace linked to the host (its own /24) and starts wireguard-go in it. */
  async client(name: string): Promise<Client> {
    const ns = `wgd-${this.id}-${name}`;
    await run(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    const n = this.block + 1 + this.clients.length;
    const c: Client = { ns, address: `198.18.${n}.2`, hostAddress: `198.18.${n}.1`, wg: `wc${this.id}${name}`.slice(0, 15) };
    await this.link(this.host, `${c.hostAddress}/24`, ns, `${c.address}/24`, name);
    // The tunnel endpoint stays on the underlay even when AllowedIPs take the default route.
    await run(['ip', '-n', ns, 'route', 'add', `${this.publicAddress}/32`, 'via', c.hostAddress]);
    const daemon = spawn('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', c.wg], { stdio: 'ignore' });
    this.daemons.push(daemon);
    for (let i = 0; i < 250 && !fs.existsSync(`/var/run/wireguard/${c.wg}.sock`); i++) await sleep(20);
    this.clients.push(c);
    return c;
  }

  /**
   * applyConf configures the client exactly from the agent's .conf: `wg setconf` with the
   * wg(8) keys, and Address / MTU / AllowedIPs routes with `ip`, as wg-quick does.
   */
  async applyConf(c: Client, conf: string): Promise<void> {
    const quickOnly = /^\s*(Address|DNS|MTU)\s*=\s*(.*)$/i;
    const lines = conf.split('\n');
    const get = (key: string): string[] => lines.flatMap((l) => {
      const m = quickOnly.exec(l);
      return m && m[1]?.toLowerCase() === key ? (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean) : [];
    });
    const file = path.join(this.stateDir, `${c.wg}.conf`);
    fs.writeFileSync(file, lines.filter((l) => !quickOnly.test(l)).join('\n'), { mode: 0o600 });
    const ip = (...args: string[]) => run(['ip', '-n', c.ns, ...args]);
    await run(['ip', 'netns', 'exec', c.ns, 'wg', 'setconf', c.wg, file]);
    await ip('address', 'flush', 'dev', c.wg);
    for (const a of get('address')) await ip('address', 'add', a, 'dev', c.wg);
    for (const m of get('mtu')) await ip('link', 'set', c.wg, 'mtu', m);
    await ip('link', 'set', c.wg, 'up');
    const allowed = /^\s*AllowedIPs\s*=\s*(.*)$/im.exec(conf)?.[1]?.split(',').map((s) => s.trim()) ?? [];
    for (const cidr of allowed) {
      await run(['ip', '-n', c.ns, ...(cidr.includes(':') ? ['-6'] : []), 'route', 'replace', cidr, 'dev', c.wg]).catch(() => undefined);
    }
  }

  /** ping returns true when `to` answers from inside `ns` (a few tries: the first handshake takes a moment). */
  async ping(ns: string, to: string, tries = 4): Promise<boolean> {
    for (let i = 0; i < tries; i++) {
      try {
        await run(['ip', 'netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', to], 5_000);
        return true;
      } catch {
        // retry
      }
    }
    return false;
  }

  async cleanup(): Promise<void> {
    process.removeListener('exit', this.onExit);
    await this.stopAgent().catch(() => undefined);
    for (const d of this.daemons) d.kill('SIGKILL');
    for (const ns of this.namespaces) {
      for (const pid of await nsPids(ns)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
    }
    this.removeSockets();
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  private cleanupSync(): void {
    for (const d of this.daemons) d.kill('SIGKILL');
    for (const ns of this.namespaces) {
      try {
        for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // best effort
      }
    }
    this.removeSockets();
  }

  private removeSockets(): void {
    for (const f of fs.readdirSync('/var/run/wireguard').filter((f) => f.startsWith(this.prefix) || f.startsWith(`wc${this.id}`))) {
      fs.rmSync(path.join('/var/run/wireguard', f), { force: true });
    }
  }

  private async link(a: string, addrA: string, b: string, addrB: string, tag: string): Promise<void> {
    const seq = this.linkSeq++;
    const va = `wda${this.id}${seq}`;
    const vb = `wdb${this.id}${seq}`;
    void tag;
    await run(['ip', 'link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b]);
    await run(['ip', '-n', a, 'addr', 'add', addrA, 'dev', va]);
    await run(['ip', '-n', b, 'addr', 'add', addrB, 'dev', vb]);
    await run(['ip', '-n', a, 'link', 'set', va, 'up']);
    await run(['ip', '-n', b, 'link', 'set', vb, 'up']);
  }
}
