import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024;
/** Rotated files kept besides the current one: <slug>.log.1 … <slug>.log.N. */
const KEEP = 3;
/** Lines kept in memory for error messages and the starting page. */
const TAIL_LINES = 40;

export function logsDir(dataDir: string): string {
  return join(dataDir, 'logs');
}

export function logFileOf(dataDir: string, slug: string): string {
  return join(logsDir(dataDir), `${slug}.log`);
}

/**
 * An app's log: what its stdout and stderr say, appended to `<data-dir>/logs/<slug>.log`
 * and rotated by size. The gateway reads the child's pipes as fast as they come and
 * writes them here, so a chatty child never fills a pipe buffer and never blocks.
 */
export class RotatingLog {
  private fd: number;
  private size: number;
  private readonly recent: string[] = [];
  private partial = '';

  constructor(
    readonly file: string,
    private readonly maxBytes = DEFAULT_LOG_MAX_BYTES,
  ) {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    this.fd = openSync(file, 'a', 0o600);
    this.size = statSync(file).size;
  }

  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
    this.remember(bytes.toString('utf8'));
  }

  /** A line of Latchkey's own about the app (started, exited), marked as such. */
  note(line: string): void {
    this.write(`[latchkey] ${line}\n`);
  }

  /** The last lines written since this log was opened. */
  lastLines(n = TAIL_LINES): string[] {
    const lines = this.partial ? [...this.recent, this.partial] : [...this.recent];
    return lines.slice(-n);
  }

  close(): void {
    closeSync(this.fd);
  }

  private remember(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.recent.push(...parts);
    if (this.recent.length > TAIL_LINES) this.recent.splice(0, this.recent.length - TAIL_LINES);
    if (this.partial.length > 4096) this.partial = this.partial.slice(-4096);
  }

  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.file}.${KEEP}`, { force: true });
    for (let i = KEEP - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = 0;
  }
}

/** The last `n` lines of a log file (and of its previous rotation, when it is short). */
export function tailFile(file: string, n: number): string[] {
  const lines = [...readLastLines(`${file}.1`, n), ...readLastLines(file, n)];
  return lines.slice(-n);
}

function readLastLines(file: string, n: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = statSync(file).size;
    // Enough for n long lines without reading a whole large log.
    const length = Math.min(size, Math.max(64 * 1024, n * 512));
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (length < size) lines.shift(); // the first line is cut
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}
