import { createRouter, createWebHashHistory } from 'vue-router';
import HostsView from './views/HostsView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/hosts' },
    { path: '/hosts', name: 'hosts', component: HostsView },
  ],
});
