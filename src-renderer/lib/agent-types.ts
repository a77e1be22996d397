/**
 * The agent's and desktop's data shapes as the renderer sees them, inferred from the routers
 * (type-only), so a change of a procedure's output shows up here as a type error, not at run time.
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import type { DesktopRouter } from '../../src-main/core/router.js';

export type AgentOut = inferRouterOutputs<AgentRouter>;
export type AgentIn = inferRouterInputs<AgentRouter>;
export type DesktopOut = inferRouterOutputs<DesktopRouter>;
export type DesktopIn = inferRouterInputs<DesktopRouter>;

export type Network = AgentOut['networks']['list'][number];
export type HostStatus = AgentOut['networks']['status'];
export type NetworkStatus = HostStatus['networks'][number];
export type NetworkCreate = AgentIn['networks']['create'];
export type NetworkWrite = AgentOut['networks']['create'];
export type NetworkImport = AgentIn['networks']['import'];
export type NetworkAdopt = AgentIn['networks']['adopt'];
export type ImportResult = AgentOut['networks']['import'];
export type Peer = AgentOut['peers']['list'][number];
export type PeerStatus = AgentOut['peers']['status'][number];
export type PeerCreate = AgentIn['peers']['create'];
export type PeerConfig = AgentOut['peers']['config'];
export type TransferSample = AgentOut['monitor']['history'][number];
export type AlertEvent = AgentOut['monitor']['alerts'][number];
export type AuditEntry = AgentOut['audit']['list'][number];
export type Bridge = AgentOut['bridges']['list'][number];
export type UdpListener = AgentOut['system']['ports'][number];
export type AgentInfo = AgentOut['system']['info'];
export type NetworkMode = Network['mode'];

export type HostProfile = DesktopOut['profiles']['list'][number];
export type HostInfo = DesktopOut['hosts']['list'][number];
export type ConnectInput = DesktopIn['hosts']['connect'];
export type ProfileInput = DesktopIn['profiles']['save'];
