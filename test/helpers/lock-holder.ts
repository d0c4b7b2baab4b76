import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Another process that takes the database's write lock (BEGIN IMMEDIATE, one insert) and
 * keeps it until told to let go, or until `maxHoldMs` passes, as a slow CLI command would.
 */
const SCRIPT = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO audit (at, kind, actor, subject, detail) VALUES (0, 'keys.rotated', 'holder', NULL, '{}')").run();
process.stdout.write('locked\\n');
const release = () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); };
process.stdin.once('data', release);
setTimeout(release, Number(process.argv[3]));
`;

export interface LockHolder {
  child: ChildProcess;
  /** What happened, in order: the holder's `released`, and whatever the test notes. */
  events: string[];
  note(event: string): void;
  released: Promise<void>;
  release(): Promise<void>;
}

export function holdWriteLock(databaseFile: string, maxHoldMs: number): Promise<LockHolder> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(process.execPath, ['-e', SCRIPT, sqlite, databaseFile, String(maxHoldMs)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: string[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}: ${stderr}`)));
    child.stdout.on('data', (c: Buffer) => {
      for (const line of c.toString().split('\n').filter(Boolean)) {
        events.push(line);
        if (line === 'locked') {
          resolve({
            child,
            events,
            note: (event) => events.push(event),
            released,
            release: async () => {
              if (child.exitCode === null) child.stdin.end('go\n');
              await released;
            },
          });
        }
      }
    });
  });
}
