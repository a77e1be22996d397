/**
 * Parser for `ss -H` socket lines (iproute2 6.1 text, with -e and/or -p), the oracle the
 * sock_diag tests compare against. It normalizes ss's display conventions to the plain values
 * the agent reports: `*` is the IPv6 any-address of a dual-stack socket, `[::1]` loses its
 * brackets, `0.0.0.0%lo` splits into address and bound device, a `*` port is 0.
 */

export interface SsSocket {
  state: string;
  rqueue: number;
  wqueue: number;
  localAddress: string;
  localPort: number;
  /** `%dev` suffix of the local address (SO_BINDTODEVICE). */
  device?: string;
  remoteAddress: string;
  remotePort: number;
  family: 4 | 6;
  /** From -e: `uid:N` (printed only when not 0) and `ino:N`. */
  uid?: number;
  inode?: number;
  v6only?: boolean;
  /** From -p: users:(("comm",pid=N,fd=N),...). */
  processes?: { command: string; pid: number; fd: number }[];
}

interface Endpoint {
  address: string;
  port: number;
  device?: string;
  family: 4 | 6;
}

/** parseEndpoint reads `0.0.0.0:53`, `0.0.0.0%lo:6004`, `*:6001`, `[::1]:6003`, `[::]:*`. */
export function parseEndpoint(text: string): Endpoint {
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new Error(`ss endpoint without port: ${text}`);
  const portText = text.slice(colon + 1);
  let host = text.slice(0, colon);
  let device: string | undefined;
  const pct = host.lastIndexOf('%');
  if (pct >= 0) {
    device = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '*') host = '::';
  const family = host.includes(':') ? 6 : 4;
  return { address: host, port: portText === '*' ? 0 : Number(portText), family, ...(device ? { device } : {}) };
}

/** parseSsLine parses one socket line of `ss -H -[ut]an[e][p]` (without the Netid column). */
export function parseSsLine(line: string): SsSocket {
  const fields = line.trim().split(/\s+/);
  const [state, rq, sq, local, peer] = fields;
  if (!state || !rq || !sq || !local || !peer) throw new Error(`short ss line: ${line}`);
  const l = parseEndpoint(local);
  const p = parseEndpoint(peer);
  const s: SsSocket = {
    state,
    rqueue: Number(rq),
    wqueue: Number(sq),
    localAddress: l.address,
    localPort: l.port,
    remoteAddress: p.address,
    remotePort: p.port,
    family: l.family,
    ...(l.device ? { device: l.device } : {}),
  };
  const rest = fields.slice(5).join(' ');
  const uid = /\buid:(\d+)/.exec(rest);
  const ino = /\bino:(\d+)/.exec(rest);
  const v6only = /\bv6only:(\d)/.exec(rest);
  if (ino) s.inode = Number(ino[1]);
  if (ino) s.uid = uid ? Number(uid[1]) : 0;
  if (v6only) s.v6only = v6only[1] === '1';
  if (rest.includes('users:(')) {
    s.processes = [...rest.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)/g)].map((m) => ({
      command: m[1] ?? '',
      pid: Number(m[2]),
      fd: Number(m[3]),
    }));
  }
  return s;
}

/** parseSs parses every non-empty line of `ss -H ...` output. */
export function parseSs(output: string): SsSocket[] {
  return output.split('\n').filter((l) => l.trim() !== '').map(parseSsLine);
}
