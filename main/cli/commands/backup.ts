import type { Command } from 'commander';
import { backupDatabase, forgetStaleInitialPassword, restoreDatabase } from '../../core/backup.js';
import { dataDirOf, print, withStore, type CommonOptions } from '../context.js';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('copy the database to a new file, consistently, even while a gateway runs')
    .argument('<file>', 'the backup to write; an existing file is never overwritten')
    .action(async (file: string, o: CommonOptions) => {
      await withStore(o, (store) => backupDatabase(store, file));
      print(`backed up to ${file}`);
    });
  program
    .command('restore')
    .description(
      'replace the database with a backup; stop latchkey serve (and the desktop app) first: ' +
        'restore refuses while any Latchkey process uses this data directory. Everyone signs in again after it',
    )
    .argument('<file>', 'a file written by latchkey backup')
    .action(async (file: string, o: CommonOptions) => {
      // Not withStore: opening the store first would create a database (and an admin
      // password) in an empty data directory, only to replace it.
      restoreDatabase(dataDirOf(o), file);
      // Opening the restored store migrates an older schema now, where errors are seen.
      await withStore(o, (store) => forgetStaleInitialPassword(store));
      print(`restored from ${file}; sessions do not survive a restore: everyone signs in again`);
    });
}
