import type { HeaderPreset, Role } from '../../common/apps.js';
import type { AssertedIdentity } from '../auth/assertion.js';

/** Who the gateway asserts to an app. Every field is safe in a header line by construction. */
export type Identity = Pick<AssertedIdentity, 'username' | 'email' | 'role'>;

const GRAFANA_ROLES: Record<Role, string> = { Admin: 'Admin', ReadOnly: 'Viewer' };
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * The identity headers for an app's preset as a flat [name, value, …] list. Usernames and
 * emails are validated when stored; this check is the last line so that nothing that could
 * split a header line is ever sent.
 */
export function identityHeaders(identity: Identity, preset: HeaderPreset): string[] {
  const { username, email, role } = identity;
  if (!HEADER_SAFE.test(username) || !HEADER_SAFE.test(email)) {
    throw new Error('refusing to assert an identity that is not header-safe');
  }
  if (preset === 'none') return [];
  const generic = [
    'x-forwarded-user',
    username,
    'x-forwarded-email',
    email,
    'x-forwarded-groups',
    role,
    'x-forwarded-preferred-username',
    username,
  ];
  switch (preset) {
    case 'generic':
      return generic;
    case 'grafana':
      return [...generic, 'x-webauth-user', username, 'x-webauth-email', email, 'x-webauth-role', GRAFANA_ROLES[role]];
    case 'remote':
      return [...generic, 'remote-user', username, 'remote-email', email, 'remote-groups', role];
  }
}
