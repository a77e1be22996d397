// The preload exposes exactly one frozen object with a message port (send / onMessage), and it
// forwards only strings on the RPC channels. Electron's modules are replaced by fakes.
import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src-main/electron/security.js';

const exposed: Array<[string, unknown]> = [];
const ipcRenderer = { send: vi.fn(), on: vi.fn(), removeListener: vi.fn() };
vi.mock('electron', () => ({ contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.push([k, v]) }, ipcRenderer }));

describe('preload', () => {
  it('exposes one frozen, narrow object', async () => {
    await import('../../src-main/electron/preload.js');
    expect(exposed.map(([k]) => k)).toEqual(['wgpilot']);
    const bridge = exposed[0]![1] as { send(m: unknown): void; onMessage(l: (m: string) => void): () => void };
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.keys(bridge).sort()).toEqual(['onMessage', 'send']);

    bridge.send('{"id":1}');
    bridge.send({ not: 'a string' });
    expect(ipcRenderer.send.mock.calls).toEqual([[IPC_CHANNELS.rpcToMain, '{"id":1}']]);

    const got: string[] = [];
    const off = bridge.onMessage((m) => got.push(m));
    const [channel, wrapped] = ipcRenderer.on.mock.calls[0] as [string, (e: unknown, m: unknown) => void];
    expect(channel).toBe(IPC_CHANNELS.rpcToRenderer);
    wrapped({}, '{"id":1,"result":{}}');
    wrapped({}, 42);
    expect(got).toEqual(['{"id":1,"result":{}}']);
    off();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith(IPC_CHANNELS.rpcToRenderer, wrapped);
  });
});
