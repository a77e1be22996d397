// Lint = the rooms of the codebase (see docs/architecture.md, "Rooms").
// Each top-level folder runs in one runtime; across rooms only `import type` is allowed.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

const nodeBuiltins = [...builtinModules.filter((m) => !m.startsWith('_')), ...builtinModules.map((m) => `node:${m}`)];

/** A relative import that climbs out of its room into another top-level folder. */
const into = (room) => ({
  regex: `^(\\.\\./)+${room}(/|$)`,
  allowTypeImports: true,
  message: `Code may only \`import type\` from ${room}/: it runs in another runtime (docs/architecture.md, Rooms).`,
});

const restrict = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', 'test-artifacts/', 'test/fixtures/', '**/*.d.ts'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, vue },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-debugger': 'error',
    },
  },
  {
    // The renderer is a browser page: no Node built-ins, nothing at run time from main or agent.
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: restrict(
      { group: nodeBuiltins, message: 'The renderer runs in a sandboxed browser page: no Node built-ins.' },
      into('agent'),
      into('src-main'),
      { group: ['electron', 'ssh2', 'better-sqlite3', 'koffi', 'ws'], message: 'The renderer runs in a sandboxed browser page.' },
    ),
  },
  {
    // Plain-Node desktop core: testable without Electron.
    files: ['src-main/core/**/*.ts'],
    rules: restrict(
      { group: ['electron', 'electron/*'], message: 'src-main/core is plain Node: no electron (put it in src-main/electron).' },
      into('agent'),
      into('src-renderer'),
    ),
  },
  {
    files: ['src-main/electron/**/*.ts', 'src-main/web/**/*.ts'],
    rules: restrict(into('agent'), into('src-renderer')),
  },
  {
    // The agent is headless on the host: nothing from the desktop; koffi only in netlink/ffi.
    files: ['agent/**/*.ts'],
    ignores: ['agent/src/netlink/ffi/**'],
    rules: restrict(
      into('src-main'),
      into('src-renderer'),
      { group: ['electron', 'vue', 'pinia', 'ssh2'], message: 'The agent is headless: no desktop packages.' },
      { group: ['koffi'], message: 'Only agent/src/netlink/ffi/ may import koffi.' },
    ),
  },
  {
    files: ['agent/src/netlink/ffi/**/*.ts'],
    rules: restrict(into('src-main'), into('src-renderer'), { group: ['electron', 'vue', 'pinia', 'ssh2'], message: 'The agent is headless: no desktop packages.' }),
  },
);
