/** How long a confirmation stays on screen. */
export const TOAST_MS = 6_000;

let message = $state('');
let timer: ReturnType<typeof setTimeout> | undefined;

/** The confirmation shown now, if any ("Grafana added: http://grafana.localhost:7780/"). */
export const toast = {
  get message(): string {
    return message;
  },
};

/** Says what a change did, for a few seconds, in the console's status line. */
export function confirmChange(text: string): void {
  message = text;
  clearTimeout(timer);
  timer = setTimeout(() => (message = ''), TOAST_MS);
}

export function dismissToast(): void {
  clearTimeout(timer);
  message = '';
}
