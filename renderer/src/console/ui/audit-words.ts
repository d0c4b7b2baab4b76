import type { AuditDto } from '../../../../main/common/api.js';
import type { AuditKind, SystemActor } from '../../../../main/common/audit.js';
import { formatDate } from './format.js';

/**
 * Who acted when no user did: a copy of SYSTEM_ACTORS in main/common/audit.ts (the
 * renderer may import only types from there), in words. A test checks the two agree.
 */
export const SYSTEM_ACTOR_WORDS: Record<SystemActor, string> = {
  '(cli)': 'the CLI',
  '(console link)': 'the console link',
  '(desktop app)': 'the desktop app',
};

/** What each kind of entry means, as a person says it; the filter offers them in this order. */
export const KIND_LABELS: Record<AuditKind, string> = {
  login: 'Signed in',
  'login.failed': 'Sign-in failed',
  'login.banned': 'Sign-ins blocked',
  logout: 'Signed out',
  'ban.lifted': 'Block lifted',
  'console.opened': 'Console opened',
  'identn.changed': 'Sign-in settings changed',
  'user.created': 'User created',
  'user.updated': 'User changed',
  'user.deleted': 'User deleted',
  'password.changed': 'Password changed',
  'password.reset': 'Password reset',
  'token.created': 'Token created',
  'token.revoked': 'Token revoked',
  'viewas.started': 'View-as started',
  'viewas.stopped': 'View-as stopped',
  'keys.rotated': 'Signing key rotated',
  'app.added': 'App added',
  'app.updated': 'App changed',
  'app.removed': 'App removed',
  'app.run-defined': 'App command set',
  'app.started': 'App started',
  'app.stopped': 'App stopped',
  'app.restarted': 'App restarted',
};

/** "Sign-in failed" for `login.failed`; a kind this console does not know yet, as it is. */
export const kindLabel = (kind: string) => (KIND_LABELS as Record<string, string>)[kind] ?? kind;

/** "the CLI", "the console link", "the desktop app", a username, or "—" when nobody acted. */
export function actorWords(actor: string | null | undefined): string {
  if (actor === null || actor === undefined) return '—';
  return (SYSTEM_ACTOR_WORDS as Record<string, string>)[actor] ?? actor;
}

/** `uid:1000` as "OS user 1000"; other client names as they are. */
const clientWords = (client: unknown) =>
  typeof client === 'string' && client.startsWith('uid:') ? `OS user ${client.slice(4)}` : String(client);

const onOff = (v: unknown) => (v ? 'on' : 'off');

/** The names of an app's fields, as the app form calls them. */
const FIELD_WORDS: Record<string, string> = {
  name: 'name',
  upstream: 'upstream',
  run: 'command',
  allowRoles: 'allowed roles',
  allowUsers: 'allowed users',
  publicPaths: 'public paths',
  headers: 'identity headers',
  preserveHost: 'host header',
  allowedOrigins: 'allowed origins',
  healthPath: 'health path',
};

/** What an entry's detail says, in words, for the kinds that have one worth saying. */
function known(kind: string, d: Record<string, unknown>): string[] | undefined {
  switch (kind) {
    case 'login.failed':
      return [
        d.client ? `from ${clientWords(d.client)}` : '',
        d.via === 'password.change' ? 'changing the password' : '',
      ];
    case 'login.banned':
      return [`until ${formatDate(d.until as number)}`, d.client ? `from ${clientWords(d.client)}` : ''];
    case 'identn.changed':
      return [
        `Impersonation ${onOff(d.impersonation)}`,
        `logins ${onOff(d.tokenizer)}`,
        `service-account tokens ${onOff(d.apikey)}`,
      ];
    case 'user.created':
      return [d.role ? `as ${String(d.role)}` : ''];
    case 'user.updated':
      return [
        d.role ? `now ${String(d.role)}` : '',
        d.enabled === true ? 'enabled' : d.enabled === false ? 'disabled' : '',
      ];
    case 'password.reset':
      // `enabled: false` means the reset left the account as it was, not that it was disabled.
      return [d.enabled === true ? 'and the account enabled' : ''];
    case 'token.created':
      return [
        d.id ? `token ${String(d.id)}` : '',
        d.expiresAt ? `expires ${formatDate(d.expiresAt as number)}` : 'never expires',
      ];
    case 'token.revoked':
      return [d.id ? `token ${String(d.id)}` : ''];
    case 'viewas.started':
      return [d.by ? `by ${actorWords(d.by as string)}` : '', d.until ? `until ${formatDate(d.until as number)}` : ''];
    case 'viewas.stopped':
      return [d.by ? `by ${actorWords(d.by as string)}` : ''];
    case 'keys.rotated':
      return [d.kid ? `new key ${String(d.kid)}` : ''];
    case 'app.added':
      return [d.runs ? `runs ${String(d.runs)}` : d.upstream ? `at ${String(d.upstream)}` : ''];
    case 'app.updated': {
      const changed = Array.isArray(d.changed) ? d.changed.map((f) => FIELD_WORDS[String(f)] ?? String(f)) : [];
      return [changed.length ? `changed ${changed.join(', ')}` : 'nothing changed'];
    }
    case 'app.run-defined':
      return [d.preset ? `preset ${String(d.preset)}` : ''];
    default:
      return undefined;
  }
}

/** Any other detail: `key: value`, with yes/no for flags and dates for times. */
function generic(d: Record<string, unknown>): string[] {
  return Object.entries(d).map(([key, v]) => {
    const value =
      typeof v === 'boolean'
        ? v
          ? 'yes'
          : 'no'
        : typeof v === 'number' && /(At|until)$/.test(key)
          ? formatDate(v)
          : typeof v === 'string'
            ? v
            : JSON.stringify(v);
    return `${key}: ${value}`;
  });
}

/** An entry's detail as a short phrase, e.g. "Impersonation off, logins on, service-account tokens off". */
export function detailWords(entry: Pick<AuditDto, 'kind' | 'detail'>): string {
  const parts = (known(entry.kind, entry.detail) ?? generic(entry.detail)).filter(Boolean);
  const text = parts.join(', ');
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}` : '';
}

/** One entry as a sentence for a summary: "App added: grafana, by the CLI". */
export function entrySentence(entry: AuditDto): string {
  const subject = entry.subject ? `: ${entry.subject}` : '';
  const by = entry.actor && entry.actor !== entry.subject ? `, by ${actorWords(entry.actor)}` : '';
  return `${kindLabel(entry.kind)}${subject}${by}`;
}
