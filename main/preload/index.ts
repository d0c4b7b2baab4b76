import { contextBridge, ipcRenderer } from 'electron';
import { API, CHANGE_KINDS, type ApiMethod, type ChangeKind } from '../common/api.js';
import { BRIDGE_NAME, CHANGE_CHANNEL, ipcChannel, type ConsoleBridge } from '../common/ipc.js';

export type { ConsoleBridge, IpcReply } from '../common/ipc.js';
export { BRIDGE_NAME };

/**
 * The console's only door to the main process: one function per console API method,
 * generated from the contract. No generic invoke or send: the page cannot name a
 * channel, and main checks the sender frame and the input of every call anyway.
 */

/** Listens on the one channel main sends on; the function returned stops listening. */
type Listen = (channel: string, handler: (event: unknown, payload: unknown) => void) => () => void;

const isKinds = (value: unknown): value is ChangeKind[] =>
  Array.isArray(value) && value.every((k) => (CHANGE_KINDS as readonly unknown[]).includes(k));

export function buildBridge(
  invoke: (channel: string, input: unknown) => Promise<unknown>,
  listen: Listen = () => () => undefined,
): ConsoleBridge {
  const bridge: Record<string, unknown> = {};
  for (const method of Object.keys(API) as ApiMethod[]) {
    const channel = ipcChannel(method);
    bridge[method] = (input: unknown) => invoke(channel, input ?? {});
  }
  // The change feed: only the kinds reach the page, never the IPC event (its sender).
  bridge.onChange = (listener: (kinds: ChangeKind[]) => void) =>
    listen(CHANGE_CHANNEL, (_event, kinds) => {
      if (isKinds(kinds)) listener([...kinds]);
    });
  return Object.freeze(bridge) as unknown as ConsoleBridge;
}

contextBridge.exposeInMainWorld(
  BRIDGE_NAME,
  buildBridge(
    (channel, input) => ipcRenderer.invoke(channel, input),
    (channel, handler) => {
      ipcRenderer.on(channel, handler);
      return () => void ipcRenderer.removeListener(channel, handler);
    },
  ),
);
