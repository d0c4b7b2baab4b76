// Preloaded into a `latchkey serve` under test (NODE_OPTIONS=--import): records every
// module it loads, by require or import, and writes the list to $RECORD_MODULES_TO at exit.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const seen = new Set();
registerHooks({
  load(url, context, next) {
    seen.add(url);
    return next(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.RECORD_MODULES_TO, [...seen].join('\n')));
