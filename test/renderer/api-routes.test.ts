import { describe, expect, it } from 'vitest';
import { API, type ApiMethod } from '../../main/common/api.js';
import { ROUTES } from '../../renderer/src/api.js';

describe("the console's copy of the API routes", () => {
  it('equals the HTTP route of every method in main/common/api.ts', () => {
    const contract = Object.fromEntries((Object.keys(API) as ApiMethod[]).map((m) => [m, [...API[m].http]]));
    const copy = Object.fromEntries(Object.entries(ROUTES).map(([m, route]) => [m, [...route]]));
    expect(copy).toEqual(contract);
  });
});
