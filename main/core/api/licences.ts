import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name?: string;
  version?: string;
  license?: string;
  dependencies?: Record<string, string>;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function read(file: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Name, version and licence of Latchkey and each runtime dependency, for the About screen. */
export function runtimeLicences(): { name: string; version: string; license: string }[] {
  const root = packageRoot();
  const own = read(join(root, 'package.json')) ?? {};
  const entries = [
    { name: own.name ?? 'latchkey', version: own.version ?? 'unknown', license: own.license ?? 'unknown' },
  ];
  for (const name of Object.keys(own.dependencies ?? {})) {
    const pkg = read(join(root, 'node_modules', name, 'package.json'));
    entries.push({ name, version: pkg?.version ?? 'unknown', license: pkg?.license ?? 'unknown' });
  }
  return entries;
}
