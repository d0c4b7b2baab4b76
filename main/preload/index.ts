import { contextBridge, ipcRenderer } from 'electron';
import { API, type ApiInput, type ApiMethod, type ApiResults } from '../common/api.js';

/**
 * The console's only door to the main process: one function per console API method,
 * generated from the contract. No generic invoke or send: the page cannot name a
 * channel, and main checks the sender frame and the input of every call anyway.
 */

/** What crosses IPC (main/shell/ipc.ts): errors as data, so their codes survive. */
export type IpcReply<T> = { result: T } | { error: { code: string; message: string } };

export type ConsoleBridge = {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<IpcReply<ApiResults[M]>>;
};

/** The global the bridge is exposed as: `window.latchkey`. */
export const BRIDGE_NAME = 'latchkey';

export function buildBridge(invoke: (channel: string, input: unknown) => Promise<unknown>): ConsoleBridge {
  const bridge: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const method of Object.keys(API) as ApiMethod[]) {
    const channel = `latchkey:${method}`;
    bridge[method] = (input: unknown) => invoke(channel, input ?? {});
  }
  return Object.freeze(bridge) as unknown as ConsoleBridge;
}

contextBridge.exposeInMainWorld(
  BRIDGE_NAME,
  buildBridge((channel, input) => ipcRenderer.invoke(channel, input)),
);
