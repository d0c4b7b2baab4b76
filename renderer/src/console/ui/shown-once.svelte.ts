/**
 * Secrets on screen that are shown once (a generated password, a new token). While one is,
 * the console does not tear the screen down when its session ends (resetting your own
 * password ends it): the person copies the secret first, and the console follows after.
 */
import { untrack } from 'svelte';

let shown = $state(0);

export const shownOnce = {
  get count(): number {
    return shown;
  },
};

/** Marks a shown-once secret on screen; the function returned clears the mark. */
export function holdWhileShown(): () => void {
  // Called from an effect: counting must not make that effect depend on the count.
  untrack(() => (shown += 1));
  let held = true;
  return () => {
    if (held) untrack(() => (shown -= 1));
    held = false;
  };
}
