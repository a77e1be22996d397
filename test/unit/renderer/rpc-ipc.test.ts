// @vitest-environment happy-dom
// IpcWebSocket: the preload's message port dressed as a WebSocket for tRPC's client.
import { describe, expect, it, vi } from 'vitest';
import { ipcWebSocketClass, type PreloadBridge } from '../../../src-renderer/rpc-ipc.js';
import { matchesShortcut, parseShortcut } from '../../../src-renderer/composables/useShortcuts.js';

function fakeBridge() {
  let listener: ((m: string) => void) | undefined;
  const off = vi.fn();
  const bridge: PreloadBridge = { send: vi.fn(), onMessage: (l) => ((listener = l), off) };
  return { bridge, deliver: (m: string) => listener?.(m), off };
}

describe('IpcWebSocket', () => {
  it('opens on the next turn, sends through the bridge, delivers messages, answers PING itself', async () => {
    const { bridge, deliver, off } = fakeBridge();
    const Ws = ipcWebSocketClass(bridge);
    const ws = new Ws('ipc://wgpilot');
    const events: string[] = [];
    ws.addEventListener('open', () => events.push('open'));
    ws.addEventListener('message', (e) => events.push(`msg:${(e as MessageEvent).data}`));
    ws.addEventListener('close', () => events.push('close'));
    expect(ws.readyState).toBe(Ws.CONNECTING);
    await Promise.resolve();
    expect(ws.readyState).toBe(Ws.OPEN);
    ws.send('{"id":1}');
    expect(bridge.send).toHaveBeenCalledWith('{"id":1}');
    deliver('{"id":1,"result":{}}');
    ws.send('PING');
    await Promise.resolve();
    expect(bridge.send).toHaveBeenCalledTimes(1);
    ws.close();
    expect(off).toHaveBeenCalled();
    expect(events).toEqual(['open', 'msg:{"id":1,"result":{}}', 'msg:PONG', 'close']);
    expect(() => ws.send('x')).toThrow();
  });
});

describe('shortcuts', () => {
  it('matches Ctrl or ⌘ as mod, and ignores plain keys typed into fields', () => {
    const k = (init: KeyboardEventInit, target?: EventTarget) => {
      const e = new KeyboardEvent('keydown', init);
      if (target) Object.defineProperty(e, 'target', { value: target });
      return e;
    };
    expect(matchesShortcut(k({ key: 'k', ctrlKey: true }), parseShortcut('mod+k'))).toBe(true);
    expect(matchesShortcut(k({ key: 'K', metaKey: true }), parseShortcut('mod+k'))).toBe(true);
    expect(matchesShortcut(k({ key: 'k', ctrlKey: true, shiftKey: true }), parseShortcut('mod+k'))).toBe(false);
    expect(matchesShortcut(k({ key: 'n' }, document.createElement('input')), parseShortcut('n'))).toBe(false);
  });
});
