/**
 * The environment a child gets: the user's, minus every LATCHKEY_* variable (Latchkey's
 * own settings, among them secrets such as an admin password), plus the app's own extra
 * variables, plus what tells it where it sits (these last, so nothing overrides them).
 */
export function childEnvironment(
  base: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>>,
  placement: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || /^LATCHKEY_/i.test(name)) continue;
    env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (!/^LATCHKEY_/i.test(name)) env[name] = value;
  }
  return { ...env, ...placement };
}
