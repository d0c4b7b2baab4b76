/**
 * User enumeration by timing (security case E; OWASP authentication cheat sheet): a
 * wrong password for a real user and any password for a user who does not exist must
 * take the same time, or an attacker learns which usernames exist. The gateway verifies
 * against a dummy hash for unknown users; this measures it over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const SAMPLES = 300;
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      // Regulation would ban after three failures; this measures timing, not bans.
      LATCHKEY_REGULATION_MAX_RETRIES: '100000',
      LATCHKEY_REGULATION_GLOBAL_MAX_RETRIES: '100000',
    },
  });
  await createUser(gw.core.store, { username: 'realuser', password: 'the real password' }, 'test');
});
afterAll(() => gw.close());

/** Two-sided Mann–Whitney U test (normal approximation, tie-corrected): the p-value. */
function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]?.v === all[i]?.v) j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k += 1) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const rankSumA = all.reduce((sum, x, i) => (x.g === 0 ? sum + (ranks[i] as number) : sum), 0);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = Math.abs(u - (n1 * n2) / 2) / sigma;
  return erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfc, accurate to ~1e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851413 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? y : 2 - y;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

describe('user enumeration by timing', () => {
  it('Mann–Whitney check is sound: it tells apart two samples that differ, and not two that do not', () => {
    const base = Array.from({ length: 300 }, (_, i) => 100 + (i % 17));
    expect(
      mannWhitneyP(
        base,
        base.map((v) => v * 1.3),
      ),
    ).toBeLessThan(0.001);
    expect(mannWhitneyP(base, [...base].reverse())).toBeGreaterThan(0.5);
  });

  it(`a wrong password and an unknown user take the same time (${SAMPLES} samples each)`, async () => {
    const attempt = async (username: string) => {
      const started = process.hrtime.bigint();
      const res = await gw.request({
        method: 'POST',
        path: '/.latchkey/login',
        headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
        body: JSON.stringify({ username, password: 'not the password' }),
      });
      expect(res.status).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      // Interleaved, so drift in the machine's load hits both alike.
      known.push(await attempt('realuser'));
      unknown.push(await attempt(`nobody${i}`));
    }
    const p = mannWhitneyP(known, unknown);
    const medianGap = Math.abs(median(known) - median(unknown)) / Math.min(median(known), median(unknown));
    // Fail only on a difference that is both significant and large (issue 7's rule).
    expect(
      p < 0.001 && medianGap > 0.1,
      `p=${p.toExponential(2)}, medians differ by ${(medianGap * 100).toFixed(1)}%`,
    ).toBe(false);
  }, 180_000);
});
