export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** Lines on stderr, at or above LATCHKEY_LOG's level (default `warn`). */
export function stderrLogger(level: string | undefined): Logger {
  const min = Math.max(0, LEVELS.indexOf((level ?? 'warn') as Level));
  const at = (l: Level) => (message: string) => {
    if (LEVELS.indexOf(l) >= min) process.stderr.write(`latchkey ${l}: ${message}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
