/** families/route: typed rtnetlink — links, addresses, routes, rules and their events. */
export { type LinkRef, type ChangeResult } from './common.js';
export { type Link, type OperState, decodeLink, formatHardwareAddress, parseHardwareAddress } from './link.js';
export {
  listLinks,
  getLink,
  createLink,
  createVeth,
  createIfb,
  createWireguard,
  deleteLink,
  setLinkUp,
  setLinkDown,
  setLinkMtu,
  setLinkNetns,
  type CreateLinkOptions,
  type CreateLinkSpec,
  type VethOptions,
  type NetnsTarget,
} from './links.js';
export { type Address, type AddressSpec, decodeAddress, encodeAddress } from './address.js';
export { listAddresses, addAddress, deleteAddress, type AddressFilter, type AddressInput } from './addresses.js';
export { type Route, type RouteSpec, type RouteType, ROUTE_TYPES, decodeRoute, encodeRoute } from './route.js';
export { listRoutes, addRoute, replaceRoute, deleteRoute, addRoutes, type RouteFilter } from './routes.js';
export { type Rule, type RuleSpec, type RuleAction, RULE_ACTIONS, decodeRule, encodeRule } from './rule.js';
export { listRules, addRule, deleteRule } from './rules.js';
export { RouteEventSubscription, type RouteEvent, type RouteEventMap, type EventAction, decodeRouteEvent } from './events.js';
