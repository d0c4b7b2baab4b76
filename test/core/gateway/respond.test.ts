import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isNavigation, wantsHtml } from '../../../main/core/gateway/respond.js';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

const request = (method: string, mode: string | undefined, accept: string | undefined) =>
  ({
    method,
    headers: { ...(mode ? { 'sec-fetch-mode': mode } : {}), ...(accept ? { accept } : {}) },
  }) as IncomingMessage;

/**
 * wantsHtml chooses a page or JSON; isNavigation whether a redirect may replace the
 * answer. The rows where they differ are the point: a form POST gets a page but is never
 * redirected, and a fetch() that accepts HTML gets a page-shaped error but no sign-in redirect.
 */
describe('a page or JSON, and whether a redirect may replace the answer', () => {
  it.each([
    // method, Sec-Fetch-Mode, Accept, wantsHtml, isNavigation
    ['GET', 'navigate', HTML, true, true],
    ['HEAD', 'navigate', HTML, true, true],
    ['GET', undefined, HTML, true, true],
    ['GET', 'navigate', undefined, true, true],
    ['POST', 'navigate', HTML, true, false],
    ['POST', undefined, HTML, true, false],
    ['GET', 'cors', HTML, true, false],
    ['GET', 'no-cors', 'image/avif,image/*', false, false],
    ['GET', 'cors', 'application/json', false, false],
    ['GET', undefined, 'application/json', false, false],
    ['GET', undefined, undefined, false, false],
    ['DELETE', 'navigate', HTML, true, false],
  ] as const)('%s, Sec-Fetch-Mode %s, Accept %s: page %s, navigation %s', (method, mode, accept, page, navigation) => {
    const req = request(method, mode, accept);
    expect({ page: wantsHtml(req), navigation: isNavigation(req) }).toEqual({ page, navigation });
  });
});
