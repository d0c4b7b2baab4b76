import type { Clock } from '../clock.js';
import type { Db } from './open.js';
import { writeTransaction } from './write.js';

/** Values the console or CLI stored; JSON-encoded so every type round-trips. */
export class SettingsRepo {
  private readonly selectAll;
  private readonly selectOne;
  private readonly upsert;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.selectAll = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
    this.selectOne = db.prepare<[string]>('SELECT value FROM settings WHERE key = ?').pluck();
    this.upsert = db.prepare<[string, string, number]>(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  all(): Map<string, unknown> {
    return new Map(this.selectAll.all().map((row) => [row.key, JSON.parse(row.value) as unknown]));
  }

  get(key: string): unknown {
    const value = this.selectOne.get(key) as string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as unknown);
  }

  /** Writes several values in one transaction: a reader sees all of them or none. */
  setMany(values: Record<string, unknown>): void {
    const at = this.clock.now();
    writeTransaction(this.db, () => {
      for (const [key, value] of Object.entries(values)) this.upsert.run(key, JSON.stringify(value), at);
    });
  }
}
