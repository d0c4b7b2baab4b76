import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, type SettingKey, type SettingValue } from './keys.js';
import { mergePinned, readConfigFile, readEnvironment, type PinnedValue, type PinnedValues } from './sources.js';

/** The settings that come from outside the database: config file and environment. */
export class Config {
  constructor(
    private readonly pinnedValues: PinnedValues,
    readonly file: string | undefined,
  ) {}

  get<K extends SettingKey>(key: K): SettingValue<K> {
    const pinned = this.pinnedValues.get(key);
    return (pinned ? pinned.value : SETTINGS[key].default) as SettingValue<K>;
  }

  pinned(key: SettingKey): PinnedValue | undefined {
    return this.pinnedValues.get(key);
  }
}

export interface LoadConfigOptions {
  /** `--config`; else LATCHKEY_CONFIG; else `<data-dir>/config.yaml` when it exists. */
  file?: string | undefined;
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

export function loadConfig({ file, dataDir, env }: LoadConfigOptions): Config {
  const envValues = readEnvironment(env);
  const defaultFile = join(dataDir, 'config.yaml');
  const chosen = file ?? (env.LATCHKEY_CONFIG || undefined) ?? (existsSync(defaultFile) ? defaultFile : undefined);
  const fileValues = chosen ? readConfigFile(chosen) : new Map();
  return new Config(mergePinned(fileValues, envValues), chosen);
}
