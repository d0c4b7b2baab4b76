import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { describeIssues } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import { envName, isSettingKey, SETTING_KEYS, SETTINGS, type SettingKey } from './keys.js';

/**
 * The YAML parser, loaded only when there is a config file to read: most starts have none,
 * and it is a tenth of the start-up's memory. Loaded synchronously, as config loading is.
 */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof Yaml;

/** A value set outside the database. It wins over stored values and is shown as locked. */
export interface PinnedValue {
  value: unknown;
  source: 'env' | 'file';
  /** What to change to unpin it: the variable name, or the key and its file. */
  by: string;
}

export type PinnedValues = Map<SettingKey, PinnedValue>;

/** LATCHKEY_* variables that are not settings but still ours, so never "unknown". */
const OTHER_VARIABLES = new Set(['LATCHKEY_DATA_DIR', 'LATCHKEY_CONFIG', 'LATCHKEY_LOG']);
const ALIAS = 'auth.internal.enabled';
const ALIASED = 'identn.tokenizer.enabled';

function parseValue(key: SettingKey, raw: unknown, where: string): unknown {
  const result = (SETTINGS[key].schema as z.ZodType).safeParse(raw);
  if (!result.success) {
    throw new LatchkeyError('CONFIG_INVALID_VALUE', `${where}: ${describeIssues(result.error, key)}`);
  }
  return result.data;
}

/** Folds Pyroscope's `auth.internal.enabled` into `identn.tokenizer.enabled`. */
function foldAlias(values: PinnedValues): PinnedValues {
  const alias = values.get(ALIAS);
  if (!alias) return values;
  values.delete(ALIAS);
  const direct = values.get(ALIASED);
  if (direct && direct.value !== alias.value) {
    throw new LatchkeyError(
      'CONFIG_INVALID_VALUE',
      `${alias.by} and ${direct.by} disagree; ${ALIAS} is another name for ${ALIASED}, keep one of them`,
    );
  }
  if (!direct) values.set(ALIASED, alias);
  return values;
}

export function readEnvironment(env: NodeJS.ProcessEnv): PinnedValues {
  const values: PinnedValues = new Map();
  const known = new Map(SETTING_KEYS.filter((k) => k !== 'apps').map((k) => [envName(k), k]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('LATCHKEY_') || raw === undefined || OTHER_VARIABLES.has(name)) continue;
    const key = known.get(name);
    if (!key) throw new LatchkeyError('CONFIG_UNKNOWN_KEY', `unknown environment variable ${name}`);
    if (raw === '') continue;
    values.set(key, { value: parseValue(key, raw, name), source: 'env', by: name });
  }
  return foldAlias(values);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readConfigFile(file: string): PinnedValues {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new LatchkeyError('CONFIG_UNREADABLE', `cannot read config file ${file}: ${(cause as Error).message}`);
  }
  let document: unknown;
  try {
    document = yaml().parse(text, { uniqueKeys: true }) ?? {};
  } catch (cause) {
    const where = cause instanceof yaml().YAMLParseError ? cause.message.split('\n')[0] : String(cause);
    throw new LatchkeyError('CONFIG_INVALID_VALUE', `config file ${file} is not valid YAML: ${where}`);
  }
  if (!isPlainObject(document)) {
    throw new LatchkeyError('CONFIG_INVALID_VALUE', `config file ${file} must be a mapping of keys`);
  }
  const values: PinnedValues = new Map();
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, raw] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (isSettingKey(key)) {
        const by = `${key} in ${file}`;
        values.set(key, { value: parseValue(key, raw, `config file ${file}`), source: 'file', by });
      } else if (isPlainObject(raw)) {
        walk(raw, key);
      } else {
        throw new LatchkeyError('CONFIG_UNKNOWN_KEY', `unknown key ${key} in config file ${file}`);
      }
    }
  };
  walk(document, '');
  return foldAlias(values);
}

/** The file's and the environment's values, the environment winning. */
export function mergePinned(file: PinnedValues, env: PinnedValues): PinnedValues {
  return new Map([...file, ...env]);
}
