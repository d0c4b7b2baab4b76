import type { z } from 'zod';
import { API, type ApiInput, type ApiMethod, type ApiParsedInput, type ApiResults } from '../common/api.js';
import { LatchkeyError } from '../common/errors.js';
import { createConsoleApi, type Caller } from '../core/api/service.js';
import type { Store } from '../core/store.js';
import { withStore, type CommonOptions } from './context.js';
import { gatewayRuns } from './gateway-runs.js';

/**
 * The console API on the command line (DESIGN: one service, three transports). The OS
 * user at the terminal may write the data directory, so may already do anything Latchkey
 * does: the CLI calls as the root admin would, and the audit log says `(cli)`.
 */
export const CLI_CALLER: Caller = { kind: 'cli' };

/**
 * The flag of each input field, by name or dotted path (`run.start`), where a command
 * names it otherwise (`--user` for `username`), so that a refusal names what was typed.
 * Fields not listed keep their name.
 */
export type Flags = Readonly<Record<string, string>>;

/** Calls one method of the console API as the CLI: its input parsed by the method's schema, as HTTP and IPC do. */
export type CallApi = <M extends ApiMethod>(method: M, input: ApiInput<M>, flags?: Flags) => Promise<ApiResults[M]>;

/** The refusal of a schema in one line, naming each field by its flag. */
function describeArguments(error: z.ZodError, flags: Flags): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      const dotted = path.join('.');
      const [field, ...rest] = path;
      const where =
        flags[dotted] ??
        (field !== undefined && flags[field] !== undefined ? [flags[field], ...rest].join('.') : dotted || 'value');
      return `${where} ${issue.message}`;
    })
    .join('; ');
}

/** The console API over one open store, called as the CLI. */
export function cliApi(store: Store): CallApi {
  const lastPort = store.settings.get('gateway.last-port');
  const api = createConsoleApi({
    store,
    port: () => (typeof lastPort === 'number' ? lastPort : 0),
    launcher: gatewayRuns(store),
  });
  return async (method, input, flags = {}) => {
    const parsed = (API[method].input as z.ZodType).safeParse(input);
    if (!parsed.success) throw new LatchkeyError('BAD_ARGUMENT', describeArguments(parsed.error, flags));
    const handler = api[method] as (input: ApiParsedInput<typeof method>, caller: Caller) => unknown;
    return (await handler(parsed.data as ApiParsedInput<typeof method>, CLI_CALLER)) as ApiResults[typeof method];
  };
}

/** Opens the store of the data directory for one command, gives it the console API, and closes it. */
export function withApi<T>(options: CommonOptions, run: (call: CallApi) => T | Promise<T>): Promise<T> {
  return withStore(options, (store) => run(cliApi(store)));
}
