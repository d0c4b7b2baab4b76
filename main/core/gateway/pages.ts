import { createHash } from 'node:crypto';
import type { App, Role } from '../../common/apps.js';
import { colourTokensCss } from '../../common/colours.js';

const STYLE = `
${colourTokensCss()}*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:44rem;margin:8vh auto;padding:0 1.5rem}
.brand{font-weight:600;letter-spacing:.02em;color:var(--muted);font-size:.85rem;text-transform:uppercase}
h1{font-size:1.6rem;margin:.3rem 0 .8rem}p{margin:.4rem 0;color:var(--muted)}code{font:13px ui-monospace,monospace;background:var(--card);border:1px solid var(--line);border-radius:4px;padding:.05rem .3rem;color:var(--fg)}
ul{list-style:none;padding:0;margin:1.2rem 0;display:grid;gap:.5rem}
a{color:var(--accent)}li a{display:flex;justify-content:space-between;gap:1rem;padding:.75rem 1rem;border:1px solid var(--line);border-radius:8px;background:var(--card);color:var(--fg);text-decoration:none}
li a:hover,li a:focus-visible{border-color:var(--accent);outline:none}li small{color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.empty{padding:1rem;border:1px dashed var(--line);border-radius:8px}
form.card{display:grid;gap:.9rem;max-width:22rem;margin-top:1.2rem;padding:1.4rem;border:1px solid var(--line);border-radius:10px;background:var(--card)}
label{display:grid;gap:.3rem;font-weight:500}
input{font:inherit;padding:.55rem .7rem;border:1px solid var(--field-line);border-radius:6px;background:var(--card);color:var(--fg)}
main.narrow{max-width:24rem}main.narrow form.card{max-width:none}
input:focus-visible,button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
button{font:inherit;font-weight:600;padding:.6rem 1rem;border:0;border-radius:6px;background:var(--accent);color:var(--accent-fg);cursor:pointer}
.error{margin:0;padding:.6rem .8rem;border-radius:6px;background:var(--danger-bg);color:var(--danger-fg)}
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * Where Latchkey's forms may lead: their own origin, and the app hosts a sign-in or
 * sign-out redirects to (form-action also governs the redirects after a post).
 */
export const FORM_ACTION = "form-action 'self' http://*.localhost:*";

/** No script at all; the one inline style is allowed by its hash. */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; ${FORM_ACTION}; frame-ancestors 'none'`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string, narrow = false): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Latchkey</title><style>${STYLE}</style></head>
<body><main${narrow ? ' class="narrow"' : ''}><div class="brand">Latchkey</div>${body}</main></body></html>
`;
}

/** The app a sign-in will continue to, when the return address is a hand-over to one. */
export function destinationOf(returnTo: string): string | undefined {
  if (!returnTo.startsWith('/.latchkey/handoff?')) return undefined;
  try {
    return new URL(new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1)).get('target') ?? '').host;
  } catch {
    return undefined;
  }
}

export function appUrl(slug: string, port: number): string {
  return `http://${slug}.localhost:${port}/`;
}

function appList(apps: readonly App[], port: number): string {
  if (apps.length === 0) {
    return `<p class="empty">No apps yet. Add one with <code>latchkey app add --slug grafana --upstream http://127.0.0.1:3000</code>.</p>`;
  }
  const items = apps
    .map(
      (a) =>
        `<li><a href="${escapeHtml(appUrl(a.slug, port))}"><span>${escapeHtml(a.name)}</span>` +
        `<small>${escapeHtml(`${a.slug}.localhost:${port}`)}</small></a></li>`,
    )
    .join('');
  return `<ul>${items}</ul>`;
}

export function appsPage(apps: readonly App[], port: number): string {
  return page('Apps', `<h1>Your apps</h1>${appList(apps, port)}`);
}

/**
 * An unknown app host. `apps` are the apps the requester may open; undefined when nobody
 * is identified, who is sent to the console rather than shown what exists.
 */
export function unknownAppPage(host: string, apps: readonly App[] | undefined, port: number): string {
  const list =
    apps === undefined
      ? `<p>Sign in on <a href="${escapeHtml(appUrl('latchkey', port))}">the Latchkey console</a> to see the apps you may open.</p>`
      : `<p>Latchkey serves these apps to you on this port:</p>${appList(apps, port)}`;
  return page('No such app', `<h1>No app at ${escapeHtml(host)}</h1>${list}`);
}

/** `showUpstream`: the address only to an Admin; others are told to ask one. */
export function upstreamDownPage(app: App, detail: string, showUpstream: boolean): string {
  const reach = showUpstream
    ? `<p>Latchkey could not reach <code>${escapeHtml(app.upstream)}</code>: ${escapeHtml(detail)}.</p>` +
      `<p>Start the app, or check its address with <code>latchkey app list</code>, then reload this page.</p>`
    : `<p>Latchkey could not reach it: ${escapeHtml(detail)}.</p>` +
      `<p>Reload this page in a moment; if it goes on, tell an Admin.</p>`;
  return page(`${app.name} is not answering`, `<h1>${escapeHtml(app.name)} is not answering</h1>${reach}`);
}

export function refusalPage(status: number, message: string): string {
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Latchkey cannot serve this' : 'Request refused';
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}.</p>`);
}

export function loginPage(returnTo: string, error?: string, username = ''): string {
  const sentence = error ? `${error[0]?.toUpperCase() ?? ''}${error.slice(1)}.` : '';
  const alert = error ? `<p class="error" role="alert">${escapeHtml(sentence)}</p>` : '';
  const destination = destinationOf(returnTo);
  const lead = destination
    ? `Sign in to continue to <strong>${escapeHtml(destination)}</strong>.`
    : 'Your tools on this machine are behind Latchkey.';
  return page(
    'Sign in',
    `<h1>Sign in</h1><p>${lead}</p>
<form class="card" method="post" action="/.latchkey/login">${alert}
<input type="hidden" name="rd" value="${escapeHtml(returnTo)}">
<label>Username<input name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(username)}"${username ? '' : ' autofocus'}></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required${username ? ' autofocus' : ''}></label>
<button type="submit">Sign in</button></form>`,
    true,
  );
}

/** For an app's own sign-out link: a GET must not sign anyone out, so this asks first. */
export function logoutPage(action: string): string {
  return page(
    'Sign out',
    `<h1>Sign out?</h1><p>This signs you out of every app behind Latchkey.</p>
<form class="card" method="post" action="${escapeHtml(action)}"><button type="submit">Sign out</button></form>`,
    true,
  );
}

/**
 * Sign-out while nobody signs in (an app's sign-out link in impersonation mode, or after
 * the console session was ended): a page that says so and leads back, never "Not found".
 */
export function nothingToSignOutPage(impersonation: boolean, back: string): string {
  const why = impersonation
    ? 'Latchkey is in impersonation mode: nobody signs in, and every request is the Admin. There is nothing to sign out of.'
    : 'Sign-in is off: Latchkey accepts only service account tokens, which a browser does not hold. There is nothing to sign out of.';
  const how = impersonation ? 'turn impersonation off' : 'turn sign-in on';
  return page(
    'Nothing to sign out of',
    `<h1>Nothing to sign out of</h1><p>${escapeHtml(why)}</p>` +
      `<p>To require a sign-in, ${how} in the console\u2019s Identity screen.</p>` +
      `<p><a href="${escapeHtml(back)}">Go back</a></p>`,
    true,
  );
}

/** Who was refused, and what the mode and role let them do about it. */
export interface Refused {
  username: string;
  role: Role;
  /** The Admin viewing as this user, if any. */
  viewer?: string | undefined;
  /** Impersonation mode: the user is the root admin (or whom it views as), nobody signed in. */
  impersonation: boolean;
}

export function forbiddenPage(app: App, who: Refused): string {
  const name = `<strong>${escapeHtml(who.username)}</strong>`;
  const allowIt = `add ${escapeHtml(who.username)} or the ${escapeHtml(who.role)} role to the users or roles ${escapeHtml(app.name)} allows (edit it on the console\u2019s Apps screen)`;
  let lead: string;
  let hint: string;
  if (who.viewer) {
    lead = `You are viewing as ${name} (viewed by ${escapeHtml(who.viewer)}), and ${escapeHtml(app.name)} does not allow this user.`;
    hint = who.impersonation
      ? 'Stop viewing as this user (in the console, the tray menu or with <code>latchkey view-as --stop</code>) to get your own access back.'
      : 'Stop viewing as this user in the console to get your own access back.';
  } else if (who.impersonation) {
    lead = `Latchkey is in impersonation mode: every request is the Admin ${name}, and ${escapeHtml(app.name)} does not allow this user.`;
    hint = `To open it, ${allowIt}.`;
  } else if (who.role === 'Admin') {
    lead = `You are signed in as ${name}, and ${escapeHtml(app.name)} does not allow this user.`;
    hint = `You are an Admin: to open it, ${allowIt}.`;
  } else {
    lead = `You are signed in as ${name}, and ${escapeHtml(app.name)} does not allow this user.`;
    hint = 'Ask an Admin to add you to its allowed roles or users.';
  }
  return page(`No access to ${app.name}`, `<h1>No access to ${escapeHtml(app.name)}</h1><p>${lead}</p><p>${hint}</p>`);
}

/** The console link's landing page: a GET shows it, only the button's POST spends the link. */
export function consoleLinkPage(code: string): string {
  return page(
    'Open the console',
    `<h1>Open the Latchkey console</h1><p>This link opens the console once, in this browser.</p>
<form class="card" method="post" action="/.latchkey/console"><input type="hidden" name="code" value="${escapeHtml(code)}">
<button type="submit" autofocus>Open the console</button></form>`,
    true,
  );
}
