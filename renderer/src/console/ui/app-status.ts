import type { ApiResults, Health, RunStatusDto } from '../../../../main/common/api.js';

type App = ApiResults['apps.list'][number];

export interface Status {
  /** "Running", "Up", "Checking…" */
  text: string;
  /** What the badge's colour says: ok, slow, bad, or nothing. */
  tone: '' | 'ok' | 'slow' | 'bad';
  /** "State" for an app Latchkey runs, "Health" for one it only forwards to. */
  kind: 'State' | 'Health';
}

const STATES: Record<RunStatusDto['state'], Omit<Status, 'kind'>> = {
  stopped: { text: 'Stopped', tone: '' },
  starting: { text: 'Starting…', tone: 'slow' },
  running: { text: 'Running', tone: 'ok' },
  stopping: { text: 'Stopping…', tone: 'slow' },
  backoff: { text: 'Restarting', tone: 'slow' },
  crashed: { text: 'Crashed', tone: 'bad' },
};

const HEALTH: Record<Health, Omit<Status, 'kind'>> = {
  up: { text: 'Up', tone: 'ok' },
  slow: { text: 'Slow', tone: 'slow' },
  down: { text: 'Down', tone: 'bad' },
  unknown: { text: 'Unknown', tone: '' },
};

/**
 * One app at a glance, the same on the home screen and its tile: the run state of an app
 * Latchkey runs (`run` is newer than `app.runStatus`), else the health of its upstream.
 */
export function statusOf(app: App, health: Health | undefined, run?: RunStatusDto | null): Status {
  const state = run ?? app.runStatus;
  if (state) return { ...STATES[state.state], kind: 'State' };
  return { ...(health ? HEALTH[health] : { text: 'Checking…', tone: '' }), kind: 'Health' };
}
