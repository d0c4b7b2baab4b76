import { AppService } from './apps.js';
import { ensureRootAdmin } from './auth/root-admin.js';
import type { Clock } from './clock.js';
import type { Config } from './config/config.js';
import { dataFiles, ensureDataDir, markSetUp, wasSetUp } from './data-dir.js';
import { AppsRepo } from './db/apps-repo.js';
import { AuditRepo } from './db/audit-repo.js';
import { RegulationRepo } from './db/regulation-repo.js';
import { SessionsRepo } from './db/sessions-repo.js';
import { TokensRepo } from './db/tokens-repo.js';
import { openDatabase, type Db } from './db/open.js';
import { SettingsRepo } from './db/settings-repo.js';
import { UsersRepo } from './db/users-repo.js';
import { storeError } from './db/errors.js';
import { holdStoreLock } from './store-lock.js';
import { stderrLogger, type Logger } from './log.js';

/** Everything kept in the data directory, opened once per process. */
export interface Store {
  dataDir: string;
  files: ReturnType<typeof dataFiles>;
  db: Db;
  config: Config;
  clock: Clock;
  settings: SettingsRepo;
  users: UsersRepo;
  sessions: SessionsRepo;
  tokens: TokensRepo;
  regulation: RegulationRepo;
  audit: AuditRepo;
  apps: AppService;
  close(): void;
}

export interface OpenStoreOptions {
  dataDir: string;
  config: Config;
  clock: Clock;
  /** Where a stored value that fails its schema is told (once); stderr by default. */
  log?: Logger;
}

/**
 * Opens (and on first launch, creates) the data directory and its database. Any process
 * may be the first: the CLI before `serve`, or the desktop app. The process holds the
 * store lock until it closes the store, so `restore` knows it is there; and a directory
 * set up before never starts over when its database is missing, empty or damaged.
 */
export async function openStore({ dataDir, config, clock, log }: OpenStoreOptions): Promise<Store> {
  ensureDataDir(dataDir);
  const files = dataFiles(dataDir);
  let lock: ReturnType<typeof holdStoreLock> | undefined;
  let db: Db | undefined;
  try {
    lock = holdStoreLock(files.lock, dataDir);
    // Under the lock: no restore swaps the file between this check and the open.
    db = openDatabase(files.database, undefined, { setUpBefore: wasSetUp(files) });
    const settings = new SettingsRepo(db, clock, (line) => (log ?? stderrLogger(undefined)).warn(line));
    const users = new UsersRepo(db, clock);
    const audit = new AuditRepo(db, clock);
    const apps = new AppService(
      db,
      new AppsRepo(db, clock, (line) => (log ?? stderrLogger(undefined)).warn(line)),
      audit,
      config,
    );
    await ensureRootAdmin({ db, config, settings, users, passwordFile: files.initialAdminPassword });
    markSetUp(files);
    return assemble({ dataDir, files, db, config, clock, settings, users, audit, apps, lock });
  } catch (error) {
    db?.close();
    lock?.release();
    throw storeError(error, dataDir) ?? error;
  }
}

interface StoreParts {
  dataDir: string;
  files: ReturnType<typeof dataFiles>;
  db: Db;
  config: Config;
  clock: Clock;
  settings: SettingsRepo;
  users: UsersRepo;
  audit: AuditRepo;
  apps: AppService;
  lock: { release(): void };
}

function assemble({ dataDir, files, db, config, clock, settings, users, audit, apps, lock }: StoreParts): Store {
  return {
    dataDir,
    files,
    db,
    config,
    clock,
    settings,
    users,
    sessions: new SessionsRepo(db),
    tokens: new TokensRepo(db),
    regulation: new RegulationRepo(db),
    audit,
    apps,
    close: () => {
      db.close();
      lock.release();
    },
  };
}
