import { contextBridge, ipcRenderer } from 'electron';
import { API, type ApiMethod } from '../common/api.js';
import { BRIDGE_NAME, ipcChannel, type ConsoleBridge } from '../common/ipc.js';

export type { ConsoleBridge, IpcReply } from '../common/ipc.js';
export { BRIDGE_NAME };

/**
 * The console's only door to the main process: one function per console API method,
 * generated from the contract. No generic invoke or send: the page cannot name a
 * channel, and main checks the sender frame and the input of every call anyway.
 */

export function buildBridge(invoke: (channel: string, input: unknown) => Promise<unknown>): ConsoleBridge {
  const bridge: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const method of Object.keys(API) as ApiMethod[]) {
    const channel = ipcChannel(method);
    bridge[method] = (input: unknown) => invoke(channel, input ?? {});
  }
  return Object.freeze(bridge) as unknown as ConsoleBridge;
}

contextBridge.exposeInMainWorld(
  BRIDGE_NAME,
  buildBridge((channel, input) => ipcRenderer.invoke(channel, input)),
);
