import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** electron-builder.yml and the fuses hook, read as electron-builder reads them. */
const root = fileURLToPath(new URL('../../', import.meta.url));
interface Platform {
  target: { target: string; arch: string[] }[];
  icon: string;
  category?: string;
  executableName?: string;
}
interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  afterPack: string;
  linux: Platform;
  win: Platform;
  mac: Platform;
}
const config = parse(readFileSync(`${root}electron-builder.yml`, 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  productName: string;
  main: string;
  allowScripts: Record<string, boolean>;
};
const require = createRequire(import.meta.url);
const hook = require('../../scripts/fuses.cjs') as {
  (context: unknown): Promise<void>;
  FUSES: Record<string, boolean>;
  executableOf(context: unknown): string;
};

const targetsOf = (platform: Platform) => platform.target.map((t) => t.target);
const archOf = (platform: Platform) => [...new Set(platform.target.flatMap((t) => t.arch))];

describe('electron-builder.yml', () => {
  it('names the app', () => {
    expect(config.appId).toBe('dev.latchkey.app');
    expect(config.productName).toBe('Latchkey');
    expect(pkg.productName).toBe(config.productName);
    expect(pkg.main).toBe('dist/main/shell/main.js');
  });

  it('builds AppImage and deb for Linux, NSIS for Windows, dmg for macOS', () => {
    expect(targetsOf(config.linux)).toEqual(['AppImage', 'deb']);
    expect(targetsOf(config.win)).toEqual(['nsis']);
    expect(targetsOf(config.mac)).toEqual(['dmg']);
    expect(config.linux.category).toBe('Development');
    expect(config.mac.category).toBe('public.app-category.developer-tools');
    // The Linux binary is the `latchkey` command (linked into /usr/bin by the deb).
    expect(config.linux.executableName).toBe('latchkey');
  });

  it('builds only for architectures argon2 has prebuilds for (none for darwin-x64, win32-arm64)', () => {
    expect(archOf(config.mac)).toEqual(['arm64']);
    expect(archOf(config.win)).toEqual(['x64']);
    const prebuilds = `${root}node_modules/argon2/prebuilds/`;
    for (const arch of archOf(config.linux)) expect(existsSync(`${prebuilds}linux-${arch}`)).toBe(true);
    for (const arch of archOf(config.mac)) expect(existsSync(`${prebuilds}darwin-${arch}`)).toBe(true);
    for (const arch of archOf(config.win)) expect(existsSync(`${prebuilds}win32-${arch}`)).toBe(true);
  });

  it('has icons that exist, large enough for every platform', () => {
    for (const platform of [config.linux, config.win, config.mac]) {
      const icon = `${root}${platform.icon}`;
      expect(existsSync(icon)).toBe(true);
      const png = readFileSync(icon);
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    }
    expect(config.files).toContain('assets/*.png');
  });

  it('unpacks the native addons from asar and never rebuilds them', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['node_modules/better-sqlite3/**', 'node_modules/argon2/**']),
    );
    expect(config.npmRebuild).toBe(false);
    expect(pkg.allowScripts).toMatchObject({ electron: false, argon2: false, 'better-sqlite3': false });
  });

  it('runs the fuses hook after packing', () => {
    expect(config.afterPack).toBe('scripts/fuses.cjs');
    expect(typeof hook).toBe('function');
  });
});

describe('the fuses of the packaged app', () => {
  it('turn RunAsNode, NODE_OPTIONS and inspect off, asar integrity and only-load-from-asar on', () => {
    expect(hook.FUSES).toMatchObject({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
    });
  });

  it('are fuses @electron/fuses knows', async () => {
    const { FuseV1Options } = await import('@electron/fuses');
    for (const name of Object.keys(hook.FUSES)) expect(FuseV1Options).toHaveProperty(name);
  });

  it('are flipped in the executable of each platform', () => {
    const context = (electronPlatformName: string) => ({
      appOutDir: '/out',
      electronPlatformName,
      packager: { appInfo: { productFilename: 'Latchkey' }, executableName: 'latchkey' },
    });
    expect(hook.executableOf(context('linux'))).toBe('/out/latchkey');
    expect(hook.executableOf(context('win32'))).toBe('/out/Latchkey.exe');
    expect(hook.executableOf(context('darwin'))).toBe('/out/Latchkey.app');
  });
});
