import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: { rollupOptions: { input: { index: resolve('src-main/electron/main.ts') } } },
  },
  preload: {
    // A sandboxed renderer needs a CommonJS preload.
    build: { rollupOptions: { input: { index: resolve('src-main/electron/preload.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [vue()],
    build: { rollupOptions: { input: resolve('src-renderer/index.html') } },
  },
});
