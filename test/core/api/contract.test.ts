import { describe, expect, it } from 'vitest';
import { API, type ApiMethod } from '../../../main/common/api.js';
import { API_ROUTES } from '../../../main/common/api-routes.js';
import { apiMethodFor } from '../../../main/core/gateway/api-http.js';
import { createConsoleApi } from '../../../main/core/api/service.js';
import { createAuth } from '../../../main/core/auth/index.js';
import { loadConfig } from '../../../main/core/config/config.js';
import { openStore } from '../../../main/core/store.js';
import { tempDataDir } from '../../helpers/data-dir.js';

describe('the console API contract', () => {
  const methods = Object.keys(API) as ApiMethod[];

  it('has a handler for every method and no handler without a method', async () => {
    const data = tempDataDir();
    const store = await openStore({
      dataDir: data.dir,
      config: loadConfig({ dataDir: data.dir, env: {} }),
      clock: { now: Date.now },
    });
    try {
      const api = createConsoleApi({ store, passwords: createAuth(store).login, port: () => 7780 });
      expect(Object.keys(api).sort()).toEqual([...methods].sort());
    } finally {
      store.close();
      data.remove();
    }
  });

  it('binds every method to exactly one HTTP route under /api/v1/', () => {
    const routes = methods.map((m) => API_ROUTES[m].join(' '));
    expect(new Set(routes).size).toBe(routes.length);
    for (const m of methods) {
      const [verb, path] = API_ROUTES[m];
      expect(path.startsWith('/api/v1/'), m).toBe(true);
      expect(apiMethodFor(verb, path)).toBe(m);
    }
    expect(routes).not.toContain('GET /api/v1/global/config'); // the one public route stays outside
  });
});
