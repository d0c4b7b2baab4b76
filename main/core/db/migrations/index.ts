import type { Migration } from '../migration.js';
import { migration as m0001 } from './0001-settings-users-apps.js';
import { migration as m0002 } from './0002-sessions-regulation-audit.js';
import { migration as m0003 } from './0003-tokens-view-as.js';
import { migration as m0004 } from './0004-regulation-per-client.js';
import { migration as m0005 } from './0005-launcher.js';
import { migration as m0006 } from './0006-live-state-version.js';

/** Every migration, oldest first. Append only: a shipped migration never changes. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006];
