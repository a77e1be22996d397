/**
 * useUiStore: app-wide view state — the theme (follows the OS unless the admin picked one; the
 * choice is kept in localStorage) and the host switcher's visibility (Ctrl+K).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export type ThemePreference = 'system' | 'light' | 'dark';
const THEME_KEY = 'wgpilot.theme';

function storedPreference(): ThemePreference {
  const v = globalThis.localStorage?.getItem(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

export const useUiStore = defineStore('ui', () => {
  const preference = ref<ThemePreference>(storedPreference());
  const media = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
  const osDark = ref(media?.matches ?? false);
  media?.addEventListener?.('change', (e) => (osDark.value = e.matches));
  const dark = computed(() => (preference.value === 'system' ? osDark.value : preference.value === 'dark'));
  const switcherOpen = ref(false);

  function setTheme(p: ThemePreference): void {
    preference.value = p;
    if (p === 'system') globalThis.localStorage?.removeItem(THEME_KEY);
    else globalThis.localStorage?.setItem(THEME_KEY, p);
  }

  /** Light ↔ dark (leaving "follow the OS" for an explicit choice). */
  function toggleTheme(): void {
    setTheme(dark.value ? 'light' : 'dark');
  }

  return { preference, dark, switcherOpen, setTheme, toggleTheme };
});
