import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

/** The sign-in page of a gateway without logins says which mode it is in, not a guess. */
const gateways: TestGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});

async function signInPage(env: Record<string, string>): Promise<{ status: number; code: string; message: string }> {
  const g = await startGateway({ env });
  gateways.push(g);
  const res = await g.request({ path: '/.latchkey/login', headers: { accept: 'application/json' } });
  const { error } = res.json<{ error: { code: string; message: string } }>();
  return { status: res.status, ...error };
}

describe('sign-in while logins are off', () => {
  it('in impersonation mode says every request is let in', async () => {
    const answer = await signInPage({});
    expect(answer).toMatchObject({ status: 404, code: 'LOGIN_OFF' });
    expect(answer.message).toMatch(/impersonation mode lets every request in/);
  });

  it('with service-account tokens only, says so instead of claiming impersonation mode', async () => {
    const answer = await signInPage({
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'false',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    });
    expect(answer).toMatchObject({ status: 404, code: 'LOGIN_OFF' });
    expect(answer.message).toMatch(/service-account tokens only/);
    expect(answer.message).not.toMatch(/impersonation/);
  });
});
