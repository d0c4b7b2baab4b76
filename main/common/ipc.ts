import type { ApiInput, ApiMethod, ApiResults } from './api.js';

/** What crosses IPC in the desktop app: errors as data, so their codes survive. */
export type IpcReply<T> = { result: T } | { error: { code: string; message: string } };

/** `window.latchkey` in the desktop app: one function per console API method. */
export type ConsoleBridge = {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<IpcReply<ApiResults[M]>>;
};

/** The global the bridge is exposed as. */
export const BRIDGE_NAME = 'latchkey';

export const ipcChannel = (method: ApiMethod) => `latchkey:${method}`;
