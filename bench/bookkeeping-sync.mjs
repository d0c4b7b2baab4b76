// What synchronous=FULL costs a bookkeeping batch, against NORMAL: one batch (32 sessions'
// last-seen, 4 tokens' last-used) in one IMMEDIATE transaction, as Bookkeeping.flush writes
// it, 200 times in each mode, alternating, on a store in the temp dir (BENCH_SYNC_DIR to
// put it on another disk). The batch runs on the event loop: its time is a request's wait.
//
//   npm run build && node bench/bookkeeping-sync.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { openDatabase } = await import(join(root, 'dist/main/core/db/open.js'));
const { writeTransaction } = await import(join(root, 'dist/main/core/db/write.js'));
const dir = mkdtempSync(join(process.env.BENCH_SYNC_DIR ?? tmpdir(), 'latchkey-sync-'));
const db = openDatabase(join(dir, 'latchkey.db'));
db.prepare(
  `INSERT INTO users (username, email, display_name, role, password_hash, password_chosen, created_at, password_changed_at)
  VALUES ('u', 'u@x', 'U', 'Admin', 'h', 1, 1, 1)`,
).run();
const ins = db.prepare(
  'INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, 1, 1, 1, 9e15)',
);
for (let i = 0; i < 32; i++) ins.run(`s${i}`);
const insT = db.prepare(
  `INSERT INTO tokens (id, user_id, secret_hash, description, created_by, created_at) VALUES (?, 1, 'h', '', 'u', 1)`,
);
for (let i = 0; i < 4; i++) insT.run(`t${i}`);
const touchS = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
const touchT = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
let at = 2;
const batch = () =>
  writeTransaction(db, () => {
    at++;
    for (let i = 0; i < 32; i++) touchS.run(at, `s${i}`);
    for (let i = 0; i < 4; i++) touchT.run(at, `t${i}`);
  });
const times = { FULL: [], NORMAL: [] };
for (let round = 0; round < 200; round++) {
  for (const mode of round % 2 ? ['NORMAL', 'FULL'] : ['FULL', 'NORMAL']) {
    db.pragma(`synchronous = ${mode}`);
    const t = process.hrtime.bigint();
    batch();
    times[mode].push(Number(process.hrtime.bigint() - t) / 1e3);
  }
}
const q = (a, p) => a.slice().sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
for (const [m, a] of Object.entries(times))
  console.log(
    `${m.padEnd(6)} per batch: median ${q(a, 0.5).toFixed(0)} µs, p90 ${q(a, 0.9).toFixed(0)} µs, p99 ${q(a, 0.99).toFixed(0)} µs, max ${Math.max(...a).toFixed(0)} µs`,
  );
db.close();
rmSync(dir, { recursive: true, force: true });
