/**
 * Window state remembered between runs (bounds, maximized) in the app data folder. Pure Node and
 * duck-typed against BrowserWindow, so it is tested without the Electron binary.
 *
 * Design decision: a saved position is used only if it still lands on a connected display (a
 * laptop undocked from its monitor must not open the window off-screen); otherwise the size is
 * kept and the window is centred.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_STATE: WindowState = { bounds: { x: -1, y: -1, width: 1280, height: 800 }, maximized: false };
export const MIN_SIZE = { width: 900, height: 560 } as const;
/** Writes wait this long after the last move/resize, so a drag writes once. */
export const SAVE_DEBOUNCE_MS = 400;

function isRect(v: unknown): v is Rect {
  const r = v as Rect;
  return !!r && ['x', 'y', 'width', 'height'].every((k) => Number.isFinite(r[k as keyof Rect]));
}

export function loadWindowState(file: string): WindowState {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WindowState>;
    if (!isRect(parsed.bounds)) return DEFAULT_STATE;
    return { bounds: parsed.bounds, maximized: parsed.maximized === true };
  } catch {
    return DEFAULT_STATE;
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

/** The state to open with, given the displays' work areas now. `x/y` undefined = centre. */
export function placeWindow(state: WindowState, workAreas: readonly Rect[]): { x?: number; y?: number; width: number; height: number; maximized: boolean } {
  const width = Math.max(MIN_SIZE.width, Math.round(state.bounds.width));
  const height = Math.max(MIN_SIZE.height, Math.round(state.bounds.height));
  const { x, y } = state.bounds;
  // Visible enough: the title bar's first 100×40 px lie on some display.
  const visible = workAreas.some((a) => x + 100 > a.x && y + 40 > a.y && x < a.x + a.width - 40 && y < a.y + a.height - 40);
  return visible && x >= -10_000 && !(x === -1 && y === -1) ? { x, y, width, height, maximized: state.maximized } : { width, height, maximized: state.maximized };
}

/** What window-state needs of a BrowserWindow. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
}

/** Saves the window's state on changes (debounced) and at close. */
export function trackWindowState(win: TrackedWindow, file: string, setTimer = setTimeout, clearTimer = clearTimeout): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => saveWindowState(file, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  const later = () => {
    if (timer) clearTimer(timer);
    timer = setTimer(save, SAVE_DEBOUNCE_MS);
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(e, later);
  win.on('close', () => {
    if (timer) clearTimer(timer);
    save();
  });
}
