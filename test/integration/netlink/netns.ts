/**
 * Throwaway network namespaces for live netlink tests (jsimonetti/rtnetlink testutils style).
 * Every namespace is named nlt-<random>, and is deleted in afterAll even when tests fail;
 * deleting a namespace removes every link, address, route and rule created inside it.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { NetlinkConnection } from '../../../agent/src/netlink/conn/connection.js';
import { type Libc, loadLibc } from '../../../agent/src/netlink/ffi/libc.js';
import { NETLINK_ROUTE } from '../../../agent/src/netlink/wire/uapi/netlink.js';

export class TestNetns {
  readonly name = `nlt-${randomBytes(4).toString('hex')}`;
  private created = false;

  create(): this {
    execFileSync('ip', ['netns', 'add', this.name]);
    this.created = true;
    // IPv6 autoconfiguration traffic (RS, MLD) would make packet counters drift.
    this.exec(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return this;
  }

  enableIpv6(): void {
    this.exec(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0', 'net.ipv6.conf.default.disable_ipv6=0']);
  }

  /** ip runs `ip -n <ns> ...args` and returns stdout. */
  ip(args: string[], options: ExecFileSyncOptions = {}): string {
    return execFileSync('ip', ['-n', this.name, ...args], { ...options, encoding: 'utf8' }) as string;
  }

  /** json runs `ip -j -n <ns> ...args` and parses the output (the oracle). */
  json<T = Record<string, unknown>[]>(args: string[]): T {
    const out = execFileSync('ip', ['-j', '-n', this.name, ...args], { encoding: 'utf8' });
    return JSON.parse(out.trim() === '' ? '[]' : out) as T;
  }

  /** exec runs a command inside the namespace. */
  exec(cmd: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...cmd], { encoding: 'utf8' });
  }

  get path(): string {
    return `/var/run/netns/${this.name}`;
  }

  destroy(): void {
    if (!this.created) return;
    this.created = false;
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** Composition root for a test file: libc once, namespaces and connections closed at the end. */
export class LiveContext {
  readonly libc: Libc = loadLibc();
  private readonly namespaces: TestNetns[] = [];
  private readonly closers: (() => void)[] = [];

  netns(): TestNetns {
    const ns = new TestNetns();
    this.namespaces.push(ns);
    return ns.create();
  }

  /** connect opens a NETLINK_ROUTE connection inside ns (closed in cleanup). */
  connect(ns: TestNetns): NetlinkConnection {
    const nl = NetlinkConnection.open(this.libc, NETLINK_ROUTE, { netns: ns.name });
    this.closers.push(() => nl.close());
    return nl;
  }

  onCleanup(fn: () => void): void {
    this.closers.push(fn);
  }

  cleanup(): void {
    for (const close of this.closers.splice(0).reverse()) {
      try {
        close();
      } catch {
        // keep cleaning
      }
    }
    for (const ns of this.namespaces.splice(0)) ns.destroy();
  }
}

/** useLiveContext registers cleanup in afterAll (runs even when a test fails). */
export function useLiveContext(): LiveContext {
  const ctx = new LiveContext();
  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('integration tests need root');
  });
  afterAll(() => ctx.cleanup());
  return ctx;
}
