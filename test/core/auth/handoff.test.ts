import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../main/common/errors.js';
import { HandoffCodes, MAX_PENDING, PENDING_PER_PEER, PENDING_PER_SESSION } from '../../../main/core/auth/handoff.js';
import { manualClock } from '../../helpers/clock.js';

const ORIGIN = 'http://grafana.localhost:7780';
const STATE = 's'.repeat(24);
const OWNER = 'uid:1000' as const;
const STRANGER = 'uid:65534' as const;

describe('hand-over codes', () => {
  it('ten thousand codes minted by one session do not cancel another session’s pending code', () => {
    const codes = new HandoffCodes(manualClock());
    const victim = codes.mint('victim', ORIGIN, STATE, OWNER);
    const attackers: string[] = [];
    for (let i = 0; i < 10_000; i += 1) attackers.push(codes.mint('attacker', ORIGIN, STATE, OWNER));
    expect(codes.redeem(victim, ORIGIN, STATE, OWNER)).toBe('victim');
    // The attacker's own oldest codes made room; its newest are still good.
    expect(codes.redeem(attackers[0] as string, ORIGIN, STATE, OWNER)).toBeUndefined();
    expect(codes.redeem(attackers.at(-1) as string, ORIGIN, STATE, OWNER)).toBe('attacker');
    expect(codes.redeem(attackers.at(-PENDING_PER_SESSION) as string, ORIGIN, STATE, OWNER)).toBe('attacker');
  });

  it('codes from thousands of sessions fill the table: new codes are refused with HANDOFF_BUSY, pending ones survive', () => {
    const codes = new HandoffCodes(manualClock());
    const first = codes.mint('s0', ORIGIN, STATE, 'remote');
    // Spread over many OS users so that only the overall ceiling is reached.
    let refusal: unknown;
    for (let i = 1; i <= MAX_PENDING; i += 1) {
      try {
        codes.mint(`s${i}`, ORIGIN, STATE, `uid:${i % 20}`);
      } catch (error) {
        refusal = error;
        break;
      }
    }
    expect(isLatchkeyError(refusal) && refusal.code).toBe('HANDOFF_BUSY');
    expect(isLatchkeyError(refusal) && refusal.retryAfter).toBeGreaterThan(0);
    expect(codes.redeem(first, ORIGIN, STATE, 'remote')).toBe('s0');
  });

  it('another OS user minting from many sessions cannot fill the table for the owner', () => {
    const codes = new HandoffCodes(manualClock());
    for (let i = 0; i < PENDING_PER_PEER; i += 1) codes.mint(`stranger${i}`, ORIGIN, STATE, STRANGER);
    expect(() => codes.mint('one more', ORIGIN, STATE, STRANGER)).toThrow(/under way/);
    const owners = codes.mint('owner', ORIGIN, STATE, OWNER);
    expect(codes.redeem(owners, ORIGIN, STATE, OWNER)).toBe('owner');
  });

  it('a code minted over another OS user’s connection is void when the owner redeems it (login CSRF), and burnt', () => {
    const codes = new HandoffCodes(manualClock());
    const code = codes.mint('stranger', ORIGIN, STATE, STRANGER);
    expect(codes.redeem(code, ORIGIN, STATE, OWNER)).toBeUndefined();
    expect(codes.redeem(code, ORIGIN, STATE, STRANGER)).toBeUndefined();
    // Where the OS cannot tell, nothing is bound and nothing is checked.
    const untold = codes.mint('untold', ORIGIN, STATE, 'untold');
    expect(codes.redeem(untold, ORIGIN, STATE, 'untold')).toBe('untold');
  });

  it('expired codes are dropped as new ones are minted, so the table does not fill with them', () => {
    const clock = manualClock();
    const codes = new HandoffCodes(clock);
    for (let i = 0; i < PENDING_PER_PEER; i += 1) codes.mint(`s${i}`, ORIGIN, STATE, STRANGER);
    clock.advance(31_000);
    const code = codes.mint('later', ORIGIN, STATE, STRANGER);
    expect(codes.redeem(code, ORIGIN, STATE, STRANGER)).toBe('later');
  });
});
