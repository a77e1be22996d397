/**
 * AgentEvent: what `monitor.events` streams — kernel link changes, reconcile fixes, alerts
 * firing and resolving, peers expiring. Plain JSON (timestamps in ms since the epoch), so the
 * same object goes over the wire unchanged.
 */
export type AgentEvent =
  | { type: 'link'; time: number; action: 'new' | 'del'; interface: string; up: boolean; mtu: number | null }
  | { type: 'reconcile'; time: number; trigger: string; fixed: string[]; failed: string[]; conflicts: string[] }
  // `desktop`: the rule's notify.desktop — false asks desktops not to raise a notification
  // (the event still shows in feeds). Absent from agents before it existed: treat as true.
  | { type: 'alert'; time: number; state: 'firing' | 'resolved'; ruleId: number; alertId: number; resourceType: string; resourceId: string; message: string; desktop?: boolean }
  | { type: 'peer-expired'; time: number; peerId: number; networkId: number; name: string };

export type AgentEventType = AgentEvent['type'];
