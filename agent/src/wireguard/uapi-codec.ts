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
import { formatEndpoint, isCanonicalV4Prefix, normalizeEndpoint, normalizePrefix, parseEndpoint } from './ip.js';
import { Key } from './keys.js';
import type { Device, DeviceConfig, Peer, PeerConfig } from './types.js';
import { checkInt, checkKey, U16_MAX, U32_MAX } from './validate.js';

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

/** The all-zero key in hex: what both protocols take as "clear this key". */
const ZERO_KEY_HEX = '0'.repeat(64);

/**
 * encodeSetRequest turns a DeviceConfig into a `set=1` request, validating it first. Lines come
 * in the order wg(8) writes them (test/fixtures/wireguard/uapi-set-wg-set.txt).
 *
 * Validation and encoding are one pass (a set of 1,000 peers x 10 allowed IPs is ~430 kB, and
 * copying the config first, then re-parsing endpoints to print them, was most of our time): the
 * checks are validateDeviceConfig's, in its order and with its field names (field paths are only
 * built when a value is not already canonical), and the text is only returned, so nothing is sent
 * unless every field passed. Fields of a removed peer are still checked, as validateDeviceConfig
 * does.
 *
 * Equivalent to what `wg set`/`wg setconf` write to the UAPI socket.
 */
export function encodeSetRequest(config: DeviceConfig): string {
  let out = 'set=1\n';
  if (config.privateKey !== undefined) {
    out += `private_key=${config.privateKey === null ? ZERO_KEY_HEX : checkKey(config.privateKey, 'privateKey').toHex()}\n`;
  }
  if (config.listenPort !== undefined) out += `listen_port=${checkInt(config.listenPort, 0, U16_MAX, 'listenPort')}\n`;
  if (config.firewallMark !== undefined) out += `fwmark=${checkInt(config.firewallMark, 0, U32_MAX, 'firewallMark')}\n`;
  if (config.replacePeers === true) out += 'replace_peers=true\n';
  const peers = config.peers;
  if (peers !== undefined) {
    for (let i = 0; i < peers.length; i++) out += encodePeer(peers[i] as PeerConfig, i);
  }
  return out + '\n';
}

function encodePeer(p: PeerConfig, i: number): string {
  let out = `public_key=${checkKey(p.publicKey, `peers[${i}].publicKey`).toHex()}\n`;
  if (p.updateOnly === true) out += 'update_only=true\n';
  let body = '';
  if (p.presharedKey !== undefined) {
    body += `preshared_key=${p.presharedKey === null ? ZERO_KEY_HEX : checkKey(p.presharedKey, `peers[${i}].presharedKey`).toHex()}\n`;
  }
  if (p.endpoint !== undefined) {
    const field = `peers[${i}].endpoint`;
    body += `endpoint=${formatEndpoint(normalizeEndpoint(p.endpoint, field), field)}\n`;
  }
  if (p.persistentKeepaliveInterval !== undefined) {
    const n = checkInt(p.persistentKeepaliveInterval, 0, U16_MAX, `peers[${i}].persistentKeepaliveInterval`);
    body += `persistent_keepalive_interval=${n}\n`;
  }
  if (p.replaceAllowedIPs === true) body += 'replace_allowed_ips=true\n';
  const ips = p.allowedIPs;
  if (ips !== undefined) {
    for (let j = 0; j < ips.length; j++) {
      const a = ips[j] as string;
      body += `allowed_ip=${isCanonicalV4Prefix(a) ? a : normalizePrefix(a, `peers[${i}].allowedIPs[${j}]`)}\n`;
    }
  }
  // A removed peer's other fields are checked above but not sent, as wg(8) does.
  return p.remove === true ? `${out}remove=true\n` : out + body;
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
