import type { ApiMethod, ApiParsedInput, ApiResults } from '../common/api.js';
import type { Core } from '../core/index.js';

export type ConsoleApi = Core['api'];
type Caller = Parameters<ConsoleApi['config.get']>[1];

/**
 * The desktop app is the console: its window and tray call as the console link does,
 * marked as the desktop, which may define the command an app runs.
 */
export const SHELL_CALLER: Caller = { kind: 'console-link', via: 'desktop' };

/** Calls one console API method from the shell itself (the tray, link checks). */
export async function callApi<M extends ApiMethod>(
  api: ConsoleApi,
  method: M,
  input: ApiParsedInput<M>,
): Promise<ApiResults[M]> {
  const handler = api[method] as (input: ApiParsedInput<M>, caller: Caller) => ApiResults[M] | Promise<ApiResults[M]>;
  return handler(input, SHELL_CALLER);
}
