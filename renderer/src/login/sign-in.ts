interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** What to tell a person for each way a request can fail. */
function explain(status: number, body: ErrorBody, retryAfter: string | null): string {
  const message = body.error?.message;
  if (status === 429) return `Too many failed sign-ins. Try again in ${retryAfter ?? 'a few'} seconds.`;
  if (status === 401) return 'Wrong username or password.';
  if (message) return `${message[0]?.toUpperCase() ?? ''}${message.slice(1)}.`;
  return `Latchkey answered HTTP ${status}. Reload the page and try again.`;
}

async function post(path: string, body: Record<string, string | undefined>): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    return 'Latchkey is not answering. Check that it is still running, then try again.';
  }
  if (response.ok) return undefined;
  const error = (await response.json().catch(() => ({}))) as ErrorBody;
  return explain(response.status, error, response.headers.get('retry-after'));
}

/** Undefined on success, else a sentence to show. */
export const signIn = (username: string, password: string) => post('/.latchkey/login', { username, password });

export const signUp = (username: string, password: string, email?: string) =>
  post('/.latchkey/signup', { username, password, email });

/** Whether sign-up is on, from the public settings; off when they cannot be read. */
export async function signupEnabled(): Promise<boolean> {
  try {
    const response = await fetch('/api/v1/global/config', { headers: { accept: 'application/json' } });
    const body = (await response.json()) as { data?: { signup?: { enabled?: boolean } } };
    return body.data?.signup?.enabled === true;
  } catch {
    return false;
  }
}
