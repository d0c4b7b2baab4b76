import { fileURLToPath } from 'node:url';
import type { AppInput, RunInput } from '../../../main/common/apps.js';
import type { RunStatus } from '../../../main/core/launcher/app-process.js';
import type { TestGateway } from '../../helpers/gateway.js';

export const TOOL = fileURLToPath(new URL('./fixtures/tool.mjs', import.meta.url));

/** An app run by Latchkey whose command is the test tool under this Node. */
export function toolApp(slug: string, run: Partial<RunInput> = {}, extra: Partial<AppInput> = {}): AppInput {
  return { slug, run: { command: process.execPath, args: [TOOL], ...run }, ...extra };
}

/** The launcher's fast timings for tests. */
export const FAST = {
  backoff: { initialMs: 50, maxMs: 200, stableMs: 60_000, maxCrashes: 3 },
  graceMs: 1_000,
  startTimeoutMs: 10_000,
  pollMs: 50,
};

/** Waits (bounded) until the app's run status passes the test; reports the last one seen. */
export async function untilStatus(
  gw: TestGateway,
  slug: string,
  ok: (s: RunStatus) => boolean,
  timeoutMs = 10_000,
): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: RunStatus | undefined;
  while (Date.now() < deadline) {
    last = gw.core.launcher.status(slug);
    if (last && ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`status of ${slug} never passed; last: ${JSON.stringify(last)}`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Bounded wait for a process to be gone. */
export async function untilGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return !alive(pid);
}
