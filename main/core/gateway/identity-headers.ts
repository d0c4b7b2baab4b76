import type { HeaderPreset, Role } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { AssertedIdentity } from '../auth/assertion.js';

/** Who the gateway asserts to an app. Every field is safe in a header line by construction. */
export type Identity = Pick<AssertedIdentity, 'username' | 'email' | 'role'>;

const GRAFANA_ROLES: Record<Role, string> = { Admin: 'Admin', ReadOnly: 'Viewer' };
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Whether a value can be sent as a header value as it is. */
export function isHeaderSafe(value: string): boolean {
  return HEADER_SAFE.test(value);
}

/**
 * The identity headers for an app's preset as a flat [name, value, …] list. Usernames and
 * emails are validated when stored; this check is the last line so that nothing that could
 * split a header line is ever sent.
 *
 * An email that cannot be sent (a row from before emails had to be ASCII, such as
 * `jörg@example.com`) is left out, not encoded: an encoded form is another string an app
 * would take for the address itself, and could match a different account. The app still
 * gets the user and role, and the signed assertion carries the email as it is.
 */
export function identityHeaders(identity: Identity, preset: HeaderPreset): string[] {
  const { username, role } = identity;
  if (!HEADER_SAFE.test(username)) {
    throw new LatchkeyError(
      'FORBIDDEN',
      'this account has a username Latchkey cannot assert; an Admin must re-create it',
    );
  }
  if (preset === 'none') return [];
  const email = HEADER_SAFE.test(identity.email) ? identity.email : undefined;
  const line = (name: string, value: string | undefined) => (value === undefined ? [] : [name, value]);
  const generic = [
    ...line('x-forwarded-user', username),
    ...line('x-forwarded-email', email),
    ...line('x-forwarded-groups', role),
    ...line('x-forwarded-preferred-username', username),
  ];
  switch (preset) {
    case 'generic':
      return generic;
    case 'grafana':
      return [
        ...generic,
        ...line('x-webauth-user', username),
        ...line('x-webauth-email', email),
        ...line('x-webauth-role', GRAFANA_ROLES[role]),
      ];
    case 'remote':
      return [
        ...generic,
        ...line('remote-user', username),
        ...line('remote-email', email),
        ...line('remote-groups', role),
      ];
  }
}
