import type { App } from '../../common/apps.js';
import type { RunStatus } from '../launcher/app-process.js';
import { escapeHtml, page } from './pages.js';

/** Seconds between the starting page's reloads (the Refresh header: no script needed). */
export const STARTING_REFRESH_S = 1;

function lastLines(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return `<p>Its last log lines:</p><pre><code>${escapeHtml(lines.join('\n'))}</code></pre>`;
}

/** Shown to a navigation while an app starts; the response's Refresh header reloads it. */
export function startingPage(app: App, status: RunStatus): string {
  const earlier = status.reason ? `<p>${escapeHtml(status.reason)}.</p>${lastLines(status.lastLines)}` : '';
  return page(
    `Starting ${app.name}`,
    `<h1>Starting ${escapeHtml(app.name)}…</h1><p>This page follows by itself when it is ready.</p>${earlier}`,
  );
}

/** An app that cannot serve: stopped by hand, or crashed (with why, and its last lines). */
export function notRunningPage(app: App, message: string, status: RunStatus): string {
  const crashed = status.state === 'crashed';
  return page(
    `${app.name} is not running`,
    `<h1>${escapeHtml(app.name)} ${crashed ? 'crashed' : 'is not running'}</h1><p>${escapeHtml(message)}.</p>` +
      lastLines(status.lastLines) +
      `<p>Start it again with <code>latchkey app start --slug ${escapeHtml(app.slug)}</code>, then reload this page.</p>`,
  );
}
