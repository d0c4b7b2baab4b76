import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import type { z } from 'zod';
import { API, type ApiMethod, type ApiParsedInput, type ApiResults, type ChangeKind } from '../common/api.js';
import { describeIssues } from '../common/apps.js';
import { CHANGE_CHANNEL, ipcChannel, type IpcReply } from '../common/ipc.js';
import { asLatchkeyError, whenWritable } from '../core/index.js';
import { callApi, type ConsoleApi } from './console-api.js';
import { CONSOLE_ORIGIN, SCHEME } from './protocol.js';

/**
 * The console API over IPC (DESIGN: one service, two transports). One handler per
 * method of the contract; the preload has one function per method on the same channels.
 */

export const API_METHODS = Object.keys(API) as ApiMethod[];

/** The channel of one method: the same function builds the preload's names. */
export const channelOf = ipcChannel;

/**
 * Only the console's own top frame may call: not a subframe (an iframe could embed
 * anything), not a page that navigated elsewhere, not another window.
 */
export function isConsoleFrame(frame: WebFrameMain | null | undefined): boolean {
  if (!frame || frame.parent !== null) return false;
  if (frame.origin !== CONSOLE_ORIGIN) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === `${SCHEME}:` && url.host === 'console';
  } catch {
    return false;
  }
}

export interface IpcOptions {
  /** Told after every call that succeeded, so the tray can follow the mode. */
  onCalled?: (method: ApiMethod) => void;
  log?: (message: string, error: unknown) => void;
}

/** Answers one call: checks the sender, parses the input, calls the service. */
export async function answer<M extends ApiMethod>(
  api: ConsoleApi,
  method: M,
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  input: unknown,
  options: IpcOptions = {},
): Promise<IpcReply<ApiResults[M]>> {
  if (!isConsoleFrame(event.senderFrame)) {
    return { error: { code: 'FORBIDDEN', message: 'only the Latchkey console may call the console API' } };
  }
  const parsed = (API[method].input as z.ZodType).safeParse(input ?? {});
  if (!parsed.success) return { error: { code: 'BAD_ARGUMENT', message: describeIssues(parsed.error) } };
  try {
    // The desktop window holds the console link: it calls as the console, like the tray.
    // A write another process holds up waits its turn without blocking the gateway.
    const result = await whenWritable(() => callApi(api, method, parsed.data as ApiParsedInput<M>));
    options.onCalled?.(method);
    return { result };
  } catch (error) {
    // Store failures (busy, full disk, read-only) arrive typed, with their reason.
    const typed = asLatchkeyError(error);
    if (typed) return { error: { code: typed.code, message: typed.message } };
    options.log?.(`console API ${method} failed`, error);
    return { error: { code: 'INTERNAL_ERROR', message: `${method} failed unexpectedly; see the log` } };
  }
}

/** Binds every method of the contract; returns a function that unbinds them. */
export function bindIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, api: ConsoleApi, options: IpcOptions = {}) {
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), (event, input: unknown) => answer(api, method, event, input, options));
  }
  return () => API_METHODS.forEach((method) => ipcMain.removeHandler(channelOf(method)));
}

/** The core's change feed, as the shell sees it. */
export interface Feed {
  subscribe(listener: (kinds: ChangeKind[]) => void): () => void;
}

/**
 * Carries the change feed to the console window (main -> renderer), only while its top
 * frame is the console: a page it navigated to (which the security handlers refuse
 * anyway) hears nothing. Returns a function that stops.
 */
export function forwardChanges(feed: Feed, contents: Pick<WebContents, 'send' | 'isDestroyed' | 'mainFrame'>) {
  return feed.subscribe((kinds) => {
    if (!contents.isDestroyed() && isConsoleFrame(contents.mainFrame)) contents.send(CHANGE_CHANNEL, kinds);
  });
}
