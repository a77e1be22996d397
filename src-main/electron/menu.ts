/**
 * The native menu as data (no electron import, so it is unit tested): app, File, Edit, View,
 * Go, Window, Help. Commands that belong to the page (switch host, new item, sections, theme)
 * carry the same accelerator the renderer listens for; the main process turns a click on them
 * into that key press, so menu and keyboard always do the same thing and the preload stays one
 * message port.
 */

export interface MenuItemSpec {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu';
  accelerator?: string;
  /** A page command: performed by sending `accelerator` to the page. */
  pageShortcut?: boolean;
  submenu?: MenuItemSpec[];
}

/** The page's shortcuts (src-renderer: TheAppShell, views) in Electron accelerator syntax. */
export const PAGE_SHORTCUTS = {
  switchHost: 'CmdOrCtrl+K',
  newItem: 'CmdOrCtrl+N',
  find: 'CmdOrCtrl+F',
  hosts: 'CmdOrCtrl+0',
  toggleTheme: 'CmdOrCtrl+Shift+L',
} as const;

export const SECTIONS = ['Dashboard', 'Networks', 'Import', 'Bridges', 'Events', 'Audit log', 'System'] as const;

const page = (label: string, accelerator: string): MenuItemSpec => ({ label, accelerator, pageShortcut: true });
const sep: MenuItemSpec = { type: 'separator' };

export function menuTemplate(opts: { platform: NodeJS.Platform; appName: string; dev?: boolean }): MenuItemSpec[] {
  const mac = opts.platform === 'darwin';
  return [
    ...(mac ? [{ label: opts.appName, submenu: [{ role: 'about' }, sep, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep, { role: 'quit' }] }] : []),
    {
      label: 'File',
      submenu: [page('New…', PAGE_SHORTCUTS.newItem), page('Switch Host…', PAGE_SHORTCUTS.switchHost), sep, mac ? { role: 'close' } : { role: 'quit' }],
    },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, sep, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }, sep, page('Find', PAGE_SHORTCUTS.find)] },
    {
      label: 'View',
      submenu: [
        page('Toggle Dark Theme', PAGE_SHORTCUTS.toggleTheme),
        sep,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        sep,
        { role: 'togglefullscreen' },
        ...(opts.dev ? [sep, { role: 'reload' }, { role: 'toggleDevTools' }] : []),
      ],
    },
    { label: 'Go', submenu: [page('Hosts', PAGE_SHORTCUTS.hosts), sep, ...SECTIONS.map((s, i) => page(s, `CmdOrCtrl+${i + 1}`))] },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Keyboard Shortcuts', accelerator: 'F1', pageShortcut: false }] },
  ];
}

/** The key press an accelerator stands for, as webContents.sendInputEvent wants it. */
export function acceleratorToKey(accelerator: string, platform: NodeJS.Platform): { keyCode: string; modifiers: string[] } {
  const parts = accelerator.split('+');
  const keyCode = parts.pop() ?? '';
  const modifiers = parts.map((p) => (p === 'CmdOrCtrl' ? (platform === 'darwin' ? 'meta' : 'control') : p.toLowerCase()));
  return { keyCode, modifiers };
}
