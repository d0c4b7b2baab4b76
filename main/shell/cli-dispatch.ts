/**
 * CLI verbs given to the app binary (`Latchkey.exe app list`, `latchkey serve` from the
 * AppImage) run as the command line would, without a window and before the
 * single-instance lock, so they work while the app is open (SPEC §9).
 */

/** The arguments the user gave: after the binary, and after the app folder under `electron .`. */
export function userArgs(argv: readonly string[], defaultApp: boolean): string[] {
  return argv.slice(defaultApp ? 2 : 1);
}

const CLI_FLAGS = new Set(['--help', '-h', '--version', '-V']);

/**
 * The CLI verb of these arguments, if they are a command line: the first argument that
 * is not a switch (Chromium's `--no-sandbox`, our `--hidden`) must be a known verb;
 * `--help` and `--version` alone are the CLI's too.
 */
export function cliVerb(args: readonly string[], verbs: ReadonlySet<string>): string | undefined {
  const first = args.find((arg) => !arg.startsWith('-'));
  if (first !== undefined) return verbs.has(first) ? first : undefined;
  return args.find((arg) => CLI_FLAGS.has(arg));
}

/** Verbs that keep running after main() returns: the process must stay up for them. */
export const LONG_RUNNING_VERBS: ReadonlySet<string> = new Set(['serve']);
