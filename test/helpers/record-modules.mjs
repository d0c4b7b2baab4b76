// Preloaded into a `latchkey serve` under test (NODE_OPTIONS=--import): records every
// module it loads, by require or import, and writes the list to $RECORD_MODULES_TO when told
// to stop and again at exit: a stop slow enough for the harness to SIGKILL still leaves the
// list of what was loaded while it served.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const seen = new Set();
registerHooks({
  load(url, context, next) {
    seen.add(url);
    return next(url, context);
  },
});
const write = () => writeFileSync(process.env.RECORD_MODULES_TO, [...seen].join('\n'));
process.on('SIGTERM', write);
process.on('exit', write);
