/**
 * useShortcut: a keyboard shortcut bound while the calling component is mounted ("mod" is Ctrl,
 * or ⌘ on macOS). Views bind their own Ctrl+N (new network, new peer, new host), so the same
 * key means "new" of whatever is on screen. Keys typed into a field are left alone unless the
 * shortcut has a modifier.
 */
import { onBeforeUnmount, onMounted } from 'vue';

export interface ShortcutSpec {
  key: string;
  mod?: boolean;
  shift?: boolean;
  alt?: boolean;
}

export function parseShortcut(spec: string): ShortcutSpec {
  const parts = spec.toLowerCase().split('+');
  return { key: parts.at(-1) ?? '', mod: parts.includes('mod'), shift: parts.includes('shift'), alt: parts.includes('alt') };
}

export function matchesShortcut(e: KeyboardEvent, spec: ShortcutSpec): boolean {
  const mod = e.ctrlKey || e.metaKey;
  if (!!spec.mod !== mod || !!spec.shift !== e.shiftKey || !!spec.alt !== e.altKey) return false;
  if (!spec.mod && !spec.alt) {
    const t = e.target as HTMLElement | null;
    if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return false;
  }
  return e.key.toLowerCase() === spec.key;
}

export function useShortcut(spec: string, handler: (e: KeyboardEvent) => void): void {
  const parsed = parseShortcut(spec);
  const listener = (e: KeyboardEvent) => {
    if (!matchesShortcut(e, parsed)) return;
    e.preventDefault();
    handler(e);
  };
  onMounted(() => window.addEventListener('keydown', listener));
  onBeforeUnmount(() => window.removeEventListener('keydown', listener));
}
