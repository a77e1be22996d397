/**
 * Transport is what a NetlinkConnection needs from a socket. ffi's NetlinkSocket implements it;
 * fake-kernel tests implement it in memory (like mdlayher's nltest), so conn/ and the families
 * are tested without root.
 */
import type { ReadableWatch } from '../ffi/libc.js';

export type { ReadableWatch };

export interface Transport {
  /** nl_pid of this socket; kernel replies carry it in nlmsg_pid. */
  readonly portId: number;
  /** Sends one datagram to the kernel. */
  send(data: Buffer): void;
  /** Size of the next datagram without consuming it; null when none is queued. */
  pendingSize(): number | null;
  /** Reads the next datagram into buf; null when none is queued. */
  receive(buf: Buffer): number | null;
  setInt(level: number, option: number, value: number): void;
  getInt(level: number, option: number): number;
  /** A stopped readiness watch that calls onReady on the event loop when data is queued. */
  watch(onReady: (status: number) => void): ReadableWatch;
  close(): void;
}
