// `npm start`: builds and opens the desktop app where Electron's binary is installed;
// elsewhere says so in one line and offers the headless gateway.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The electron package fetches its binary on first use (it has no install script to allow). */
function fetchElectron() {
  try {
    const installer = createRequire(import.meta.url).resolve('electron/install.js');
    spawnSync(process.execPath, [installer], { cwd: root, stdio: 'ignore', timeout: 300_000 });
  } catch {
    // No electron package at all: said below.
  }
  return electronBinary();
}

const binary = electronBinary() ?? fetchElectron();
if (!binary) {
  process.stderr.write(
    "latchkey: Electron's binary is not installed and could not be downloaded (on a machine with internet, " +
      '`npm install && npm start` fetches it); run `npm run serve` for the gateway without a window\n',
  );
  process.exit(1);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const built = spawnSync(npm, ['run', 'build', '--silent'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (built.status !== 0) process.exit(built.status ?? 1);

const app = spawnSync(binary, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(app.status ?? 1);
