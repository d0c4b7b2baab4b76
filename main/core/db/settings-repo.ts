import type { Clock } from '../clock.js';
import type { Db } from './open.js';
import {
  damagedValueOf,
  isStoredKey,
  STORED_SETTINGS,
  type StoredSettingKey,
  type StoredSettings,
  type StoredValue,
} from './stored-settings.js';
import { writeTransaction } from './write.js';

/** Says why a stored value was ignored. */
export type InvalidSettingNotice = (message: string) => void;

/**
 * Values the console or CLI stored; JSON-encoded so every type round-trips, and read
 * through their schema (db/stored-settings.ts): what fails it is absent, or its
 * fail-closed value where the registry names one.
 */
export class SettingsRepo {
  private readonly selectAll;
  private readonly selectOne;
  private readonly upsert;
  /** Each bad value is told once per process, not on every read of a hot path. */
  private readonly told = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly notice: InvalidSettingNotice = () => undefined,
  ) {
    this.selectAll = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
    this.selectOne = db.prepare<[string]>('SELECT value FROM settings WHERE key = ?').pluck();
    this.upsert = db.prepare<[string, string, number]>(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  /** Every known key that is stored and valid; rows of keys Latchkey does not know are skipped. */
  all(): StoredSettings {
    const settings: Record<string, unknown> = {};
    for (const row of this.selectAll.all()) {
      if (!isStoredKey(row.key)) continue;
      const value = this.parse(row.key, row.value);
      if (value !== undefined) settings[row.key] = value;
    }
    return settings as StoredSettings;
  }

  get<K extends StoredSettingKey>(key: K): StoredValue<K> | undefined {
    const text = this.selectOne.get(key) as string | undefined;
    return text === undefined ? undefined : this.parse(key, text);
  }

  /** Writes several values in one transaction: a reader sees all of them or none. */
  setMany(values: StoredSettings): void {
    const at = this.clock.now();
    writeTransaction(this.db, () => {
      for (const [key, value] of Object.entries(values)) this.upsert.run(key, JSON.stringify(value), at);
    });
  }

  private parse<K extends StoredSettingKey>(key: K, text: string): StoredValue<K> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.ignore(key, text, 'it is not JSON');
    }
    const parsed = STORED_SETTINGS[key].schema.safeParse(json);
    if (parsed.success) return parsed.data as StoredValue<K>;
    return this.ignore(key, text, parsed.error.issues[0]?.message ?? 'it has the wrong shape');
  }

  private ignore<K extends StoredSettingKey>(key: K, text: string, problem: string): StoredValue<K> | undefined {
    const instead = damagedValueOf(key);
    const seen = `${key}\u0000${text}`;
    if (!this.told.has(seen)) {
      this.told.add(seen);
      const reading = instead === undefined ? 'absent' : JSON.stringify(instead);
      this.notice(`the stored setting ${key} is ignored (${problem}): it is read as ${reading}`);
    }
    return instead;
  }
}
