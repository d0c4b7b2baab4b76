import type { ApiInput, ApiMethod, ApiResults, ChangeKind } from './api.js';
import type { ErrorCode } from './errors.js';

/** What crosses IPC in the desktop app: errors as data, so their codes survive. */
export type IpcReply<T> = { result: T } | { error: { code: ErrorCode; message: string } };

/**
 * `window.latchkey` in the desktop app: one function per console API method, and one
 * subscription to the change feed (the function returned ends it).
 */
export type ConsoleBridge = {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<IpcReply<ApiResults[M]>>;
} & { onChange(listener: (kinds: ChangeKind[]) => void): () => void };

/** The global the bridge is exposed as. */
export const BRIDGE_NAME = 'latchkey';

export const ipcChannel = (method: ApiMethod) => `latchkey:${method}`;

/** The one channel main sends on: the kinds of things that changed (main -> console). */
export const CHANGE_CHANNEL = 'latchkey:changed';
