// The peers-table bench page: the real PeerTable and peers store, with the agent mocked at the
// store level (BenchApp.vue). Plain JS so the node tsconfig does not type-check DOM code here.
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import BenchApp from './BenchApp.vue';
import '../../../src-renderer/styles.css';

createApp(BenchApp).use(createPinia()).mount('#app');
