import { sendRequest, type RequestOptions, type Response } from './gateway.js';

/**
 * A cookie jar that behaves like a browser's for Latchkey's cookies: host-only cookies,
 * kept per host (ports ignored, as browsers do), honouring Max-Age=0 and Path.
 */
export class CookieJar {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  private hostOf(host: string): string {
    return host.replace(/:\d+$/, '').toLowerCase();
  }

  store(host: string, setCookie: string[] | string | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attrs = new Map(
        attributes.map((a) => {
          const [k = '', v = ''] = a.split('=');
          return [k.trim().toLowerCase(), v.trim()] as const;
        }),
      );
      const cookies = this.jar.get(this.hostOf(host)) ?? new Map();
      if (attrs.get('max-age') === '0') cookies.delete(name);
      else cookies.set(name, { value, path: attrs.get('path') || '/' });
      this.jar.set(this.hostOf(host), cookies);
    }
  }

  header(host: string, path: string): string | undefined {
    const cookies = this.jar.get(this.hostOf(host));
    if (!cookies) return undefined;
    const pairs = [...cookies].filter(([, c]) => path.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  get(host: string, name: string): string | undefined {
    return this.jar.get(this.hostOf(host))?.get(name)?.value;
  }

  set(host: string, name: string, value: string): void {
    const cookies = this.jar.get(this.hostOf(host)) ?? new Map();
    cookies.set(name, { value, path: '/' });
    this.jar.set(this.hostOf(host), cookies);
  }
}

export interface Browser {
  jar: CookieJar;
  /** One request with the jar's cookies, as a top-level navigation unless told otherwise. */
  go(host: string, path: string, options?: Omit<RequestOptions, 'host' | 'path'>): Promise<Response>;
  /** Follows same-gateway 303s like a browser, up to `max` hops; returns the last response. */
  follow(host: string, path: string, max?: number): Promise<{ response: Response; host: string; path: string }>;
}

/** A browser-like client of one gateway port: navigations carry Sec-Fetch metadata. */
export function browser(port: number): Browser {
  const jar = new CookieJar();
  const go: Browser['go'] = async (host, path, options = {}) => {
    const cookie = jar.header(host, path);
    const headers: Record<string, string> = {
      'Sec-Fetch-Site': 'none',
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
      Accept: 'text/html',
      ...(cookie ? { Cookie: cookie } : {}),
      ...options.headers,
    };
    const response = await sendRequest(port, { ...options, host, path, headers });
    jar.store(host, response.headers['set-cookie']);
    return response;
  };
  return {
    jar,
    go,
    async follow(host, path, max = 6) {
      let response = await go(host, path);
      for (let hop = 0; hop < max && response.status === 303; hop += 1) {
        const next = new URL(response.headers.location as string, `http://${host}`);
        host = next.host;
        path = next.pathname + next.search;
        response = await go(host, path, { headers: { 'Sec-Fetch-Site': 'same-site' } });
      }
      return { response, host, path };
    },
  };
}
