import { execFile, spawnSync } from 'node:child_process';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateAssertionKey } from '../../../main/core/auth/assertion.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../../helpers/upstream.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'grafana', upstream: up.url },
      { slug: 'bare', upstream: up.url, headers: 'none' },
    ],
  });
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const jwksUrl = () => `http://localhost:${gw.port}/.well-known/latchkey/jwks.json`;

async function assertion(slug = 'grafana'): Promise<string> {
  const res = await gw.request({ host: gw.host(slug), path: '/echo' });
  return String(res.json<SeenRequest>().headers['x-latchkey-jwt-assertion']);
}

describe('X-Latchkey-Jwt-Assertion', () => {
  it('verifies with nothing but the JWKS URL (jose, as any upstream would)', async () => {
    const { payload, protectedHeader } = await jwtVerify(await assertion(), createRemoteJWKSet(new URL(jwksUrl())), {
      issuer: gw.origin(),
      audience: gw.origin('grafana'),
      algorithms: ['ES256'],
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'admin', email: 'admin@localhost.localdomain', groups: ['Admin'] });
    expect(typeof payload.jti).toBe('string');
    expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(300);
    expect(payload.act).toBeUndefined();
  });

  it('is the only identity the none preset sends', async () => {
    const res = await gw.request({ host: gw.host('bare'), path: '/echo' });
    const headers = res.json<SeenRequest>().headers;
    expect(headers['x-forwarded-user']).toBeUndefined();
    expect(headers['x-latchkey-jwt-assertion']).toBeTruthy();
  });

  it('is audience-bound: an assertion for one app does not verify for another', async () => {
    await expect(
      jwtVerify(await assertion(), createRemoteJWKSet(new URL(jwksUrl())), { audience: gw.origin('bare') }),
    ).rejects.toThrow(/aud/);
  });

  it("replaces a client's forged assertion", async () => {
    const res = await gw.request({
      host: gw.host('grafana'),
      path: '/echo',
      headers: { 'X-Latchkey-Jwt-Assertion': 'forged.token.value' },
    });
    const lines = res
      .json<SeenRequest>()
      .rawHeaders.filter((_, i, all) => i % 2 === 1 && /jwt-assertion/i.test(all[i - 1] ?? ''));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toBe('forged.token.value');
  });

  it('keeps the old key published after rotation, and signs with the new one', async () => {
    const before = decodeProtectedHeader(await assertion()).kid;
    const kid = rotateAssertionKey(gw.core.store, 'test');
    const after = await assertion();
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    const published = (await gw.request({ host: gw.host('grafana'), path: '/.well-known/latchkey/jwks.json' })).json<{
      keys: { kid: string; d?: string }[];
    }>();
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, kid]));
    expect(published.keys.every((k) => k.d === undefined)).toBe(true); // never the private part
  });
});

const PYTHON = '/usr/bin/python3';
const hasPyJwt = spawnSync(PYTHON, ['-c', 'import jwt, cryptography'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasPyJwt)('verified by a JWT library of another language (PyJWT, needs python3-jwt)', () => {
  it('checks signature, issuer and audience from the JWKS URL alone', async () => {
    const script = `
import sys, jwt
token, url, iss, aud = sys.argv[1:5]
key = jwt.PyJWKClient(url).get_signing_key_from_jwt(token)
claims = jwt.decode(token, key.key, algorithms=["ES256"], issuer=iss, audience=aud)
print(claims["sub"], claims["groups"][0])
`;
    const token = await assertion();
    const args = ['-c', script, token, jwksUrl(), gw.origin(), gw.origin('grafana')];
    // Asynchronously: the gateway answering the JWKS fetch runs in this very process.
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(PYTHON, args, { timeout: 15_000 }, (_error, stdout, stderr) => resolve({ stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('admin Admin');
  });
});
