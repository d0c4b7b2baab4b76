// `npm start` opens the desktop app where Electron is installed. The shell is not part of
// this build yet, so it points to the headless gateway instead of failing obscurely.
process.stderr.write(
  'latchkey: the desktop app is not in this build yet; run `npm run serve` for the gateway without a window\n',
);
process.exit(1);
