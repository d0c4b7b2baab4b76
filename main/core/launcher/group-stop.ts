import { groupAlive, signalGroup } from './process-info.js';

const POLL_MS = 50;

/**
 * Stops a process group: SIGTERM to every member, SIGKILL to whatever is left after the
 * grace period. Resolves once no member is left (or after the kill, where the OS cannot
 * list members).
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<'terminated' | 'killed' | 'gone'> {
  if (!signalGroup(pgid, 'SIGTERM')) return 'gone';
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return 'terminated';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  return 'killed';
}
