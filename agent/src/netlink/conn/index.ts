/** conn/: netlink connections (request/ACK, dumps, batches) and event subscriptions. */
export {
  NetlinkConnection,
  type NetlinkRequester,
  type ConnectionOptions,
  type Request,
  type RequestOptions,
  type BatchResult,
  RECEIVE_BUFFER_SIZE,
  SLICE_BUDGET_MS,
  MAX_DUMP_ATTEMPTS,
  BATCH_WINDOW,
} from './connection.js';
export { type AckResult } from './pending.js';
export { NetlinkSubscription, type SubscriptionOptions, type SubscriptionEvents, DEFAULT_EVENT_RECEIVE_BUFFER } from './subscription.js';
export { NetlinkError, DumpInterruptedError, ConnectionClosedError, type NetlinkErrorInit } from './errors.js';
export type { Transport, ReadableWatch } from './transport.js';
