/**
 * The WireGuard cross-platform userspace API ("UAPI", https://www.wireguard.com/xplatform/) as
 * pure text functions: build a `set=1` request from a DeviceConfig and parse a `get=1` reply
 * into a Device. No I/O here (see uapi.ts), so fixtures captured from wireguard-go and wg(8)
 * test it byte for byte (test/fixtures/wireguard/uapi-*.txt).
 *
 * Protocol facts this relies on (measured with wireguard-go v0.0.20220316):
 * - Requests and replies are `key=value` lines ended by an empty line; keys are hex.
 * - In a `get=1` reply, device keys come first and each peer starts at `public_key=`; the reply
 *   ends with `errno=N` where N is 0 or a *negative* errno (-22 for a bad key).
 * - Peer order in `get=1` is not stable between calls (a Go map), so callers compare by key.
 * - A `set=1` is applied line by line and stops at the first bad line; `update_only` must come
 *   right after `public_key` because wireguard-go decides on that line whether the peer is new.
 */
import { formatEndpoint, normalizePrefix, parseEndpoint } from './ip.js';
import { Key } from './keys.js';
import type { Device, DeviceConfig, Peer, PeerConfig } from './types.js';
import { validateDeviceConfig } from './validate.js';

/** The request that reads a device. */
export const UAPI_GET_REQUEST = 'get=1\n\n';

/** Device fields a `get=1` reply carries (the name and type come from the caller). */
export type DeviceState = Omit<Device, 'name' | 'type'>;

/** UapiProtocolError is a reply that does not follow the protocol (not a device-side errno). */
export class UapiProtocolError extends Error {
  override readonly name = 'UapiProtocolError';
  constructor(
    message: string,
    readonly line: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? message : `${message}: ${JSON.stringify(line)}`, options);
  }
}

export interface GetReply {
  /** The errno trailer as sent: 0 or negative. */
  errno: number;
  device: DeviceState;
  /** Keys this parser does not know, kept in order rather than dropped or thrown on. */
  unknown: Array<[key: string, value: string]>;
}

/**
 * encodeSetRequest turns a DeviceConfig into a `set=1` request, validating it first. Lines come
 * in the order wg(8) writes them (test/fixtures/wireguard/uapi-set-wg-set.txt).
 *
 * Equivalent to what `wg set`/`wg setconf` write to the UAPI socket.
 */
export function encodeSetRequest(config: DeviceConfig): string {
  const cfg = validateDeviceConfig(config);
  const lines = ['set=1'];
  if (cfg.privateKey !== undefined) lines.push(`private_key=${(cfg.privateKey ?? Key.zero()).toHex()}`);
  if (cfg.listenPort !== undefined) lines.push(`listen_port=${cfg.listenPort}`);
  if (cfg.firewallMark !== undefined) lines.push(`fwmark=${cfg.firewallMark}`);
  if (cfg.replacePeers === true) lines.push('replace_peers=true');
  for (const p of cfg.peers ?? []) lines.push(...peerLines(p));
  return lines.join('\n') + '\n\n';
}

function peerLines(p: PeerConfig): string[] {
  const lines = [`public_key=${p.publicKey.toHex()}`];
  if (p.updateOnly === true) lines.push('update_only=true');
  if (p.remove === true) {
    lines.push('remove=true');
    return lines;
  }
  if (p.presharedKey !== undefined) lines.push(`preshared_key=${(p.presharedKey ?? Key.zero()).toHex()}`);
  if (p.endpoint !== undefined) lines.push(`endpoint=${formatEndpoint(p.endpoint)}`);
  if (p.persistentKeepaliveInterval !== undefined) {
    lines.push(`persistent_keepalive_interval=${p.persistentKeepaliveInterval}`);
  }
  if (p.replaceAllowedIPs === true) lines.push('replace_allowed_ips=true');
  for (const a of p.allowedIPs ?? []) lines.push(`allowed_ip=${a}`);
  return lines;
}

/**
 * parseSetReply reads the `errno=N` reply to a `set=1` and returns N (0 or negative).
 * An empty reply means wireguard-go closed the connection, which it does on an unknown
 * operation; that is a protocol error, not an errno.
 */
export function parseSetReply(text: string): number {
  const lines = splitReply(text);
  const [only] = lines;
  if (lines.length !== 1 || only === undefined || !only.startsWith('errno=')) {
    throw new UapiProtocolError('expected a single errno line in the set reply', text);
  }
  return parseIntStrict(only.slice('errno='.length), only, true);
}

/** parseGetReply parses a complete `get=1` reply, including its errno trailer. */
export function parseGetReply(text: string): GetReply {
  const device: DeviceState = { listenPort: 0, firewallMark: 0, peers: [] };
  const unknown: Array<[string, string]> = [];
  let errno: number | undefined;
  let peer: Peer | undefined;
  let hsSec = 0n;
  let hsNsec = 0n;
  const finishPeer = (): void => {
    if (!peer) return;
    peer.lastHandshakeTime = hsSec === 0n && hsNsec === 0n ? null : new Date(Number(hsSec * 1000n + hsNsec / 1_000_000n));
    device.peers.push(peer);
  };

  for (const line of splitReply(text)) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new UapiProtocolError('expected key=value', line);
    if (errno !== undefined) throw new UapiProtocolError('data after the errno trailer', line);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    try {
      if (key === 'errno') {
        errno = parseIntStrict(value, line, true);
      } else if (key === 'public_key') {
        finishPeer();
        peer = newPeer(Key.fromHex(value, 'public_key'));
        hsSec = hsNsec = 0n;
      } else if (peer === undefined) {
        if (key === 'private_key') {
          const k = Key.fromHex(value, 'private_key');
          if (!k.isZero()) {
            device.privateKey = k;
            device.publicKey = k.publicKey();
          }
        } else if (key === 'listen_port') device.listenPort = parseIntStrict(value, line);
        else if (key === 'fwmark') device.firewallMark = parseIntStrict(value, line);
        else unknown.push([key, value]);
      } else if (key === 'preshared_key') {
        const k = Key.fromHex(value, 'preshared_key');
        if (!k.isZero()) peer.presharedKey = k;
      } else if (key === 'endpoint') peer.endpoint = parseEndpoint(value);
      else if (key === 'last_handshake_time_sec') hsSec = parseBigStrict(value, line);
      else if (key === 'last_handshake_time_nsec') hsNsec = parseBigStrict(value, line);
      else if (key === 'rx_bytes') peer.receiveBytes = parseBigStrict(value, line);
      else if (key === 'tx_bytes') peer.transmitBytes = parseBigStrict(value, line);
      else if (key === 'persistent_keepalive_interval') peer.persistentKeepaliveInterval = parseIntStrict(value, line);
      else if (key === 'allowed_ip') peer.allowedIPs.push(normalizePrefix(value, 'allowed_ip'));
      else if (key === 'protocol_version') peer.protocolVersion = parseIntStrict(value, line);
      else unknown.push([key, value]);
    } catch (err) {
      if (err instanceof UapiProtocolError) throw err;
      throw new UapiProtocolError(`invalid value (${(err as Error).message})`, line, { cause: err });
    }
  }
  if (errno === undefined) throw new UapiProtocolError('get reply has no errno trailer', undefined);
  finishPeer();
  return { errno, device, unknown };
}

function newPeer(publicKey: Key): Peer {
  return {
    publicKey,
    persistentKeepaliveInterval: 0,
    lastHandshakeTime: null,
    receiveBytes: 0n,
    transmitBytes: 0n,
    allowedIPs: [],
    protocolVersion: 0,
  };
}

/** splitReply checks the terminating empty line and returns the lines before it. */
function splitReply(text: string): string[] {
  if (!text.endsWith('\n\n')) throw new UapiProtocolError('reply is not terminated by an empty line', text.slice(-80));
  const body = text.slice(0, -2);
  return body === '' ? [] : body.split('\n');
}

function parseIntStrict(value: string, line: string, signed = false): number {
  if (!(signed ? /^-?[0-9]{1,10}$/ : /^[0-9]{1,10}$/).test(value)) {
    throw new UapiProtocolError('expected an integer', line);
  }
  return Number(value);
}

function parseBigStrict(value: string, line: string): bigint {
  if (!/^[0-9]{1,20}$/.test(value)) throw new UapiProtocolError('expected an unsigned integer', line);
  return BigInt(value);
}
