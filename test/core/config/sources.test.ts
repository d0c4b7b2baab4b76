import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../main/core/config/config.js';
import { envName, SETTING_KEYS } from '../../../main/core/config/keys.js';
import { readConfigFile, readEnvironment } from '../../../main/core/config/sources.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const dirs: { remove(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

function configFile(yaml: string): string {
  const data = tempDataDir();
  dirs.push(data);
  const file = join(data.dir, 'latchkey.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('environment names', () => {
  it('derive from the key: LATCHKEY_ + upper case with . and - as _', () => {
    expect(envName('auth.internal.signup-enabled')).toBe('LATCHKEY_AUTH_INTERNAL_SIGNUP_ENABLED');
    expect(envName('identn.impersonation.enabled')).toBe('LATCHKEY_IDENTN_IMPERSONATION_ENABLED');
    expect(envName('port')).toBe('LATCHKEY_PORT');
  });

  it('every key but apps is read from its environment name', () => {
    for (const key of SETTING_KEYS.filter((k) => k !== 'apps' && k !== 'auth.internal.enabled')) {
      const sample = key.endsWith('enabled') || key.endsWith('create') ? 'true' : undefined;
      if (!sample) continue;
      expect(readEnvironment({ [envName(key)]: sample }).get(key)?.by).toBe(envName(key));
    }
  });

  it('an unknown LATCHKEY_ variable is an error that names it', () => {
    expect(() => readEnvironment({ LATCHKEY_IDENTN_TOKENISER_ENABLED: 'true' })).toThrow(
      /unknown environment variable LATCHKEY_IDENTN_TOKENISER_ENABLED/,
    );
  });

  it('a bad value names the variable and what it should be', () => {
    expect(() => readEnvironment({ LATCHKEY_SESSION_IDLE_TIMEOUT: 'soon' })).toThrow(
      /LATCHKEY_SESSION_IDLE_TIMEOUT: .*duration/,
    );
  });
});

describe('config file', () => {
  it('reads nested and dotted keys alike', () => {
    const file = configFile(
      'identn:\n  impersonation:\n    enabled: false\nauth.internal.signup-enabled: true\nsession:\n  idle-timeout: 30m\n',
    );
    const values = readConfigFile(file);
    expect(values.get('identn.impersonation.enabled')?.value).toBe(false);
    expect(values.get('auth.internal.signup-enabled')?.value).toBe(true);
    expect(values.get('session.idle-timeout')?.value).toBe(30 * 60_000);
  });

  it('an unknown key is an error that names it, never a silent default', () => {
    const file = configFile('identn:\n  impersonaton:\n    enabled: false\n');
    expect(() => readConfigFile(file)).toThrow(/unknown key identn\.impersonaton\.enabled/);
  });

  it('reads apps, validating each', () => {
    const good = configFile('apps:\n  - slug: grafana\n    upstream: http://127.0.0.1:3000\n');
    expect(readConfigFile(good).get('apps')?.value).toMatchObject([{ slug: 'grafana', headers: 'generic' }]);
    const bad = configFile('apps:\n  - slug: latchkey\n    upstream: http://127.0.0.1:3000\n');
    expect(() => readConfigFile(bad)).toThrow(/apps\.0\.slug is reserved/);
  });

  it('the environment wins over the file, and both are reported as pinned', () => {
    const file = configFile('port: 9000\nidentn:\n  apikey:\n    enabled: true\n');
    const data = tempDataDir();
    dirs.push(data);
    const config = loadConfig({ file, dataDir: data.dir, env: { LATCHKEY_PORT: '9100' } });
    expect(config.get('port')).toBe(9100);
    expect(config.pinned('port')).toMatchObject({ source: 'env', by: 'LATCHKEY_PORT' });
    expect(config.pinned('identn.apikey.enabled')).toMatchObject({ source: 'file' });
    expect(config.pinned('auth.signup-default-role')).toBeUndefined();
  });

  it('invalid YAML is a clear error', () => {
    expect(() => readConfigFile(configFile('identn: [\n'))).toThrow(/not valid YAML/);
  });
});
