/**
 * Routes: the hosts view, the desktop's own log, and per connected host (`/host/:hostId/…`) its dashboard, networks
 * (with the network detail and its peers), import, bridges, events, audit log and system.
 * The host id in the path lets two windows (or tabs in browser mode) show two hosts.
 */
import { createMemoryHistory, createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

export const HOST_SECTIONS = [
  { name: 'dashboard', label: 'Dashboard', key: '1' },
  { name: 'networks', label: 'Networks', key: '2' },
  { name: 'import', label: 'Import', key: '3' },
  { name: 'bridges', label: 'Bridges', key: '4' },
  { name: 'events', label: 'Events', key: '5' },
  { name: 'audit', label: 'Audit log', key: '6' },
  { name: 'system', label: 'System', key: '7' },
] as const;

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/hosts' },
  { path: '/hosts', name: 'hosts', component: () => import('./views/HostsView.vue'), meta: { title: 'Hosts' } },
  { path: '/logs', name: 'logs', component: () => import('./views/LogsView.vue'), meta: { title: 'Desktop log' } },
  {
    path: '/host/:hostId',
    props: true,
    children: [
      { path: '', redirect: (to) => `/host/${String(to.params.hostId)}/dashboard` },
      { path: 'dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue'), props: true, meta: { title: 'Dashboard' } },
      { path: 'networks', name: 'networks', component: () => import('./views/NetworksView.vue'), props: true, meta: { title: 'Networks' } },
      {
        path: 'networks/:networkId',
        name: 'network',
        component: () => import('./views/NetworkDetailView.vue'),
        props: (r) => ({ hostId: String(r.params.hostId), networkId: Number(r.params.networkId) }),
        meta: { title: 'Network' },
      },
      { path: 'import', name: 'import', component: () => import('./views/ImportView.vue'), props: true, meta: { title: 'Import' } },
      { path: 'bridges', name: 'bridges', component: () => import('./views/BridgesView.vue'), props: true, meta: { title: 'Bridges' } },
      { path: 'events', name: 'events', component: () => import('./views/EventsView.vue'), props: true, meta: { title: 'Events' } },
      { path: 'audit', name: 'audit', component: () => import('./views/AuditView.vue'), props: true, meta: { title: 'Audit log' } },
      { path: 'system', name: 'system', component: () => import('./views/SystemView.vue'), props: true, meta: { title: 'System' } },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/hosts' },
];

export function createAppRouter(memory = false) {
  return createRouter({ history: memory ? createMemoryHistory() : createWebHashHistory(), routes });
}
