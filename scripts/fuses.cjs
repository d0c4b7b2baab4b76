// electron-builder `afterPack` hook: flips Electron's fuses in the packaged binary
// (Electron's security checklist). The map is exported for test/shell/builder.test.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- electron-builder loads hooks as CommonJS
const path = require('node:path');

/** Fuse name (FuseV1Options in @electron/fuses) → state in the packaged app. */
const FUSES = Object.freeze({
  // The binary must not act as plain Node (ELECTRON_RUN_AS_NODE): CLI verbs go through the app.
  RunAsNode: false,
  // NODE_OPTIONS and --inspect would let anyone inject code into the app's process.
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  // Load the app only from app.asar, checked against the hash embedded at packaging.
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  EnableCookieEncryption: true,
  // The console has its own scheme; file:// gets no extra rights.
  GrantFileProtocolExtraPrivileges: false,
});

/** The packaged executable for one platform of electron-builder's context. */
function executableOf(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${name}.app`);
    case 'win32':
      return path.join(appOutDir, `${name}.exe`);
    default:
      return path.join(appOutDir, packager.executableName);
  }
}

async function afterPack(context) {
  // @electron/fuses is ESM-only.
  const { flipFuses, FuseVersion, FuseV1Options } = await import('@electron/fuses');
  const config = {
    version: FuseVersion.V1,
    // Apple silicon refuses a binary whose ad-hoc signature no longer matches.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === 3 /* Arch.arm64 */,
  };
  for (const [name, on] of Object.entries(FUSES)) {
    if (!(name in FuseV1Options)) throw new Error(`unknown Electron fuse ${name}`);
    config[FuseV1Options[name]] = on;
  }
  await flipFuses(executableOf(context), config);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSES = FUSES;
module.exports.executableOf = executableOf;
