/**
 * kernelSuite declares a scenario file's tests once per kernel:
 *
 *   kernelSuite('WireGuard devices', (k) => {
 *     it('creates a kernel device', async () => {
 *       await k.agent.networks.create.mutate({ … });          // the built agent, in the guest
 *       expect(await k.sh('ip -d link show wg0')).toMatch(/wireguard/);   // an oracle
 *     });
 *   });
 *
 * → "Debian 12 (6.1 cloud) › WireGuard devices › creates a kernel device", and the same for
 * Debian 13; the kernels' suites run at the same time (one guest each), the tests of one
 * suite in order. `k` gives the shared guest (`vm`), the shared agent session (`agent`), and
 * recorded wrappers (`sh`, `exec`, `call`): every command and call of a test is kept, and when
 * the test fails they are printed with their output together with the tail of the guest's
 * console — so a failure names its scenario and kernel and shows what happened.
 *
 * Each suite ends with a check that the kernel logged no `netlink: … attribute` warning (the
 * kernel's strict validation complaining about what we sent) while the suite ran.
 */
import type { TRPCClient } from '@trpc/client';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { AgentRouter } from '../../../agent/src/rpc/router.js';
import type { GuestOps } from '../guest/ops/index.js';
import type { AgentSession } from './agent.js';
import { agentFor, guestFor } from './pool.js';
import type { BootableKernel } from './prepare.js';
import type { ExecResult } from './protocol.js';
import type { GuestArgs, GuestResult, GuestVm } from './vm.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kernels: BootableKernel[];
  }
}

/** Booting (first suite of a kernel) and the agent's first domain call are slow under TCG. */
const SETUP_TIMEOUT_MS = 240_000;
const TRANSCRIPT_ENTRY_MAX = 4_000;

export interface KernelContext {
  readonly kernel: BootableKernel;
  readonly vm: GuestVm;
  readonly session: AgentSession;
  /** The agent's API, as the desktop sees it. */
  readonly agent: TRPCClient<AgentRouter>;
  /** Runs a bash script in the guest, returns stdout; throws with the output on failure. */
  sh(script: string, opts?: { timeoutMs?: number }): Promise<string>;
  exec(argv: readonly string[], opts?: { input?: string; check?: boolean; timeoutMs?: number }): Promise<ExecResult>;
  call<K extends keyof GuestOps>(method: K, args: GuestArgs<K>): Promise<GuestResult<K>>;
  /** note adds a line to the test's transcript (a timing, a value worth seeing on failure). */
  note(line: string): void;
}

export interface SuiteOptions {
  /** Start (or reuse) the guest's shared agent session before the tests; default true. */
  agent?: boolean;
}

export function kernelSuite(title: string, body: (k: KernelContext) => void, opts: SuiteOptions = {}): void {
  const selected = inject('kernels');
  if (selected.length === 0) throw new Error('no kernel prepared: the kernel tier has nothing to boot');
  // The kernels' suites run side by side (each has its own guest), each suite's tests in order:
  // a concurrent suite per kernel holding a sequential one.
  for (const kernel of selected) {
    describe(kernel.kernel.spec.label, { concurrent: true }, () => {
      describe(title, { sequential: true }, () => suiteFor(kernel, body, opts));
    });
  }
}

function suiteFor(kernel: BootableKernel, body: (k: KernelContext) => void, opts: SuiteOptions): void {
  let vm: GuestVm | undefined;
  let session: AgentSession | undefined;
  let dmesgStart = 0;
  let transcript: string[] = [];
  const record = (line: string): void => void transcript.push(line.length > TRANSCRIPT_ENTRY_MAX ? `${line.slice(0, TRANSCRIPT_ENTRY_MAX)} …` : line);
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not up (see the suite's setup error)`);
    return v;
  };

  const ctx: KernelContext = {
    kernel,
    get vm() {
      return need(vm, 'the guest');
    },
    get session() {
      return need(session, 'the agent session');
    },
    get agent() {
      return need(session, 'the agent session').client;
    },
    async sh(script, o) {
      record(`$ ${script}`);
      try {
        const out = await need(vm, 'the guest').sh(script, o);
        record(out.trimEnd());
        return out;
      } catch (err) {
        record(`! ${(err as Error).message}`);
        throw err;
      }
    },
    async exec(argv, o) {
      record(`$ ${argv.join(' ')}`);
      const r = await need(vm, 'the guest').exec(argv, { ...o, check: false });
      record(`${r.stdout}${r.stderr ? `\n[stderr] ${r.stderr}` : ''}[exit ${r.code ?? r.signal}, ${r.ms} ms]`);
      if (o?.check !== false && r.code !== 0) return need(vm, 'the guest').exec(argv, o); // throws with the output
      return r;
    },
    async call<K extends keyof GuestOps>(method: K, args: GuestArgs<K>): Promise<GuestResult<K>> {
      const started = Date.now();
      record(`call ${method} ${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).slice(0, 300)}`);
      try {
        const value = await need(vm, 'the guest').call(method, args);
        record(`→ ok in ${Date.now() - started} ms`);
        return value;
      } catch (err) {
        record(`→ ${(err as Error).message}`);
        throw err;
      }
    },
    note: record,
  };

  beforeAll(async () => {
    vm = await guestFor(kernel);
    dmesgStart = (await vm.exec(['dmesg'])).stdout.split('\n').length;
    if (opts.agent !== false) session = await agentFor(kernel);
  }, SETUP_TIMEOUT_MS);

  beforeEach((t) => {
    transcript = [];
    t.onTestFailed(() => {
      const tail = vm?.console().split('\n').slice(-15).join('\n') ?? '(no guest)';
      console.error(`--- ${kernel.kernel.spec.label} (${kernel.kernel.release}) › ${t.task.name}: guest transcript ---\n${transcript.join('\n')}\n--- guest console (last 15 lines) ---\n${tail}`);
    });
  });

  body(ctx);

  it('left no netlink attribute warnings in dmesg', async () => {
    const lines = (await ctx.exec(['dmesg'])).stdout.split('\n').slice(Math.max(0, dmesgStart - 1));
    expect(lines.filter((l) => /netlink: .*attribute/i.test(l))).toEqual([]);
  });
}
