// Runs before every build and before the CLI (and `.npmrc` has npm refuse to install on an
// older Node): the native addons (better-sqlite3 13, argon2) are built for Node 22, and on
// Node 20 better-sqlite3 crashes the process with a segmentation fault instead of an error.
// Plain CommonJS with nothing newer than ES5, so that any Node can run it and say so in
// one line.
'use strict';
var MIN = [22, 12, 0];
var parts = process.versions.node.split('.').map(Number);
var ok =
  parts[0] > MIN[0] || (parts[0] === MIN[0] && (parts[1] > MIN[1] || (parts[1] === MIN[1] && parts[2] >= MIN[2])));
if (!ok) {
  process.stderr.write(
    'latchkey: Node.js ' +
      MIN.join('.') +
      ' or newer is needed (this is ' +
      process.version +
      '); ' +
      'install Node 22 LTS and run npm install again\n',
  );
  process.exit(1);
}
