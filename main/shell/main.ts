import { buildProgram, main as cliMain } from '../cli/main.js';
import { createCore, resolveDataDir } from '../core/index.js';
import { run } from './lifecycle.js';

/** The desktop app's entry (package.json `main`, built to dist/main/shell/main.js). */
const cliVerbs = new Set(['help', ...buildProgram().commands.map((command) => command.name())]);

run({
  argv: process.argv,
  defaultApp: process.defaultApp === true,
  env: process.env,
  platform: process.platform,
  cliMain,
  cliVerbs,
  createCore,
  resolveDataDir,
}).catch((error: unknown) => {
  console.error('latchkey: the desktop app failed to start', error);
  process.exit(1);
});
