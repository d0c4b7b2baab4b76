interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** What to tell a person for each way a sign-in can fail. */
function explain(status: number, body: ErrorBody, retryAfter: string | null): string {
  const message = body.error?.message;
  if (status === 429) return message ?? `Too many failed sign-ins. Try again in ${retryAfter ?? 'a few'} seconds.`;
  if (status === 401) return 'Wrong username or password.';
  return message ? `Sign-in failed: ${message}.` : `Sign-in failed (HTTP ${status}). Reload the page and try again.`;
}

/** Posts the credentials as JSON; undefined on success, else a sentence to show. */
export async function signIn(username: string, password: string): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch('/.latchkey/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'same-origin',
    });
  } catch {
    return 'Latchkey is not answering. Check that it is still running, then try again.';
  }
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  return explain(response.status, body, response.headers.get('retry-after'));
}
