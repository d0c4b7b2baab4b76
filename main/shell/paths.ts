import { join } from 'node:path';

/** Where the built pieces are, from the app's folder (the package root, or app.asar). */
export function appPaths(appRoot: string) {
  return {
    preload: join(appRoot, 'dist', 'preload', 'index.cjs'),
    rendererDir: join(appRoot, 'dist', 'renderer'),
    assetsDir: join(appRoot, 'assets'),
    icon: join(appRoot, 'assets', 'icon.png'),
  };
}
