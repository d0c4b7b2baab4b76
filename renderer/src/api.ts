import type { ApiInput, ApiMethod, ApiResults, ChangeKind } from '../../main/common/api.js';
import { API_ROUTES } from '../../main/common/api-routes.js';
import type { GlobalConfigResponse } from '../../main/common/identn.js';
import type { ErrorCode } from '../../main/common/errors.js';
import type { ConsoleBridge, IpcReply } from '../../main/common/ipc.js';

export type { ApiInput, ApiMethod, ApiResults, ChangeKind };

/**
 * What a failed call is known by: the API's error code (`LAST_ADMIN`…), or `NETWORK` /
 * `HTTP_<status>` when there was no error body. Typed, so that a screen comparing with a
 * misspelt code fails typecheck instead of never matching.
 */
export type ApiErrorCode = ErrorCode | 'NETWORK' | `HTTP_${number}`;

/** A request that failed: the API's error code and message, or a transport failure. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The HTTP status; 0 when Latchkey did not answer. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Envelope<T> {
  data?: T;
  error?: { code?: ErrorCode; message?: string };
}

function queryOf(input: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function request<T>(httpMethod: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: httpMethod,
      credentials: 'same-origin',
      headers:
        httpMethod === 'POST'
          ? { accept: 'application/json', 'content-type': 'application/json' }
          : { accept: 'application/json' },
      body: httpMethod === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    });
  } catch {
    throw new ApiError('NETWORK', 'Latchkey is not answering. Check that it is still running, then try again.', 0);
  }
  const envelope = (await response.json().catch(() => ({}))) as Envelope<T>;
  if (!response.ok || envelope.error) {
    const code: ApiErrorCode = envelope.error?.code ?? `HTTP_${response.status}`;
    const message = envelope.error?.message ?? `Latchkey answered HTTP ${response.status}`;
    throw new ApiError(code, message, response.status);
  }
  return envelope.data as T;
}

/** In the desktop app the preload exposes the API over IPC; in a browser there is HTTP. */
function bridge(): ConsoleBridge | undefined {
  return (globalThis as { latchkey?: ConsoleBridge }).latchkey;
}

/** Calls one console API method, over IPC in the desktop app, else HTTP. Rejects with an ApiError. */
export async function call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResults[M]> {
  const ipc = bridge();
  if (ipc) {
    const send = ipc[method] as unknown as (input: ApiInput<M>) => Promise<IpcReply<ApiResults[M]>>;
    const reply = await send(input);
    if ('error' in reply) throw new ApiError(reply.error.code, reply.error.message, 0);
    return reply.result;
  }
  const [httpMethod, path] = API_ROUTES[method];
  return httpMethod === 'GET' ? request(httpMethod, path + queryOf(input as object)) : request(httpMethod, path, input);
}

/** The public settings (no session needed): whether logins are on. */
export async function globalConfig(): Promise<GlobalConfigResponse['data']> {
  return request('GET', '/api/v1/global/config');
}

/** Ends the console session and any sign-in, on every host. */
export async function signOut(): Promise<void> {
  await request('POST', '/.latchkey/logout', {});
}

/** Every kind: what a console that may have missed changes fetches again. */
const EVERY_KIND: ChangeKind[] = ['settings', 'apps', 'users', 'tokens', 'bans', 'audit', 'viewAs'];
export const EVENTS_URL = '/api/v1/events';

export type ChangeListener = (kinds: ChangeKind[]) => void;
const changeListeners = new Set<ChangeListener>();
let feedOpen = false;

function deliver(kinds: ChangeKind[]): void {
  for (const listener of [...changeListeners]) listener(kinds);
}

/** The one subscription to the core's change feed: IPC in the desktop app, else server-sent events. */
function openFeed(): void {
  feedOpen = true;
  const ipc = bridge();
  if (ipc) {
    ipc.onChange(deliver);
    return;
  }
  if (typeof EventSource === 'undefined') return;
  const source = new EventSource(EVENTS_URL);
  let lost = false;
  source.addEventListener('change', (event) => {
    try {
      deliver(JSON.parse((event as MessageEvent<string>).data) as ChangeKind[]);
    } catch {
      deliver(EVERY_KIND);
    }
  });
  source.addEventListener('error', () => {
    lost = true;
    // Refused (the session ended): the screens ask again, and learn why from the API.
    if (source.readyState === EventSource.CLOSED) {
      feedOpen = false;
      deliver(EVERY_KIND);
    }
  });
  // Back after a gap (the mode changed, Latchkey restarted): what changed meanwhile is unknown.
  source.addEventListener('open', () => {
    if (lost) deliver(EVERY_KIND);
    lost = false;
  });
}

/**
 * Calls `listener` with the kinds of things that changed anywhere (CLI, tray, another
 * window), from one subscription shared by every screen. Returns a function that stops.
 */
export function onChange(listener: ChangeListener): () => void {
  changeListeners.add(listener);
  if (!feedOpen) openFeed();
  return () => void changeListeners.delete(listener);
}
