/**
 * The HTTP route of every console API method. Apart from main/common/api.ts (which holds
 * each method's input schema, and so zod) because the renderer calls these routes: it may
 * import this file as a value, and nothing else of main/common. Keep it free of imports.
 */
export const API_ROUTES = {
  'config.get': ['GET', '/api/v1/config'],
  'identn.set': ['POST', '/api/v1/identn'],
  'apps.list': ['GET', '/api/v1/apps'],
  'apps.health': ['GET', '/api/v1/apps/health'],
  'apps.mine': ['GET', '/api/v1/apps/mine'],
  'apps.add': ['POST', '/api/v1/apps'],
  'apps.update': ['POST', '/api/v1/apps/update'],
  'apps.remove': ['POST', '/api/v1/apps/remove'],
  'apps.start': ['POST', '/api/v1/apps/start'],
  'apps.stop': ['POST', '/api/v1/apps/stop'],
  'apps.restart': ['POST', '/api/v1/apps/restart'],
  'apps.logs': ['GET', '/api/v1/apps/logs'],
  'users.list': ['GET', '/api/v1/users'],
  'users.create': ['POST', '/api/v1/users'],
  'users.update': ['POST', '/api/v1/users/update'],
  'users.resetPassword': ['POST', '/api/v1/users/reset-password'],
  'users.delete': ['POST', '/api/v1/users/delete'],
  'viewAs.get': ['GET', '/api/v1/view-as'],
  'viewAs.candidates': ['GET', '/api/v1/view-as/candidates'],
  'viewAs.start': ['POST', '/api/v1/view-as'],
  'viewAs.stop': ['POST', '/api/v1/view-as/stop'],
  'tokens.list': ['GET', '/api/v1/tokens'],
  'tokens.create': ['POST', '/api/v1/tokens'],
  'tokens.revoke': ['POST', '/api/v1/tokens/revoke'],
  'bans.list': ['GET', '/api/v1/bans'],
  'bans.lift': ['POST', '/api/v1/bans/lift'],
  'account.changePassword': ['POST', '/api/v1/account/password'],
  'audit.list': ['GET', '/api/v1/audit'],
  'about.get': ['GET', '/api/v1/about'],
} as const satisfies Record<string, ApiRoute>;

export type ApiRoute = readonly ['GET' | 'POST', string];
