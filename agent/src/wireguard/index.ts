/**
 * wireguard/: WireGuard devices behind one interface, with a kernel (generic netlink) and a
 * userspace (wireguard-go + UAPI) backend. See README.md.
 */
export type { Device, DeviceConfig, DeviceType, Endpoint, Peer, PeerConfig } from './types.js';
export {
  Key,
  KEY_LEN,
  generateKeyPair,
  generatePresharedKey,
  generatePrivateKey,
  publicKeyFromPrivate,
} from './keys.js';
export { ConfigError, WireGuardError, type WireGuardOp, errnoName } from './errors.js';
export type { DeviceLifecycle, ManagedWireGuardBackend, WireGuardBackend } from './backend.js';
export { UapiClient, DEFAULT_UAPI_SOCKET_DIR, DEFAULT_UAPI_TIMEOUT_MS, type UapiClientOptions } from './uapi.js';
export { encodeSetRequest, parseGetReply, parseSetReply, UapiProtocolError, UAPI_GET_REQUEST } from './uapi-codec.js';
export {
  WireGuardGoSupervisor,
  type ProcessExit,
  type RestartPolicy,
  type SupervisorEvents,
  type WireGuardGoOptions,
} from './supervisor.js';
export { UserspaceBackend, type UserspaceBackendOptions } from './userspace.js';
export { KernelBackend, type KernelBackendOptions } from './kernel.js';
export { WireGuardClient, type WireGuardClientOptions, type WireGuardSupport } from './select.js';
export { validateDeviceConfig, checkInterfaceName, MAX_INTERFACE_NAME_LEN } from './validate.js';
export { formatEndpoint, normalizePrefix, parseEndpoint } from './ip.js';
