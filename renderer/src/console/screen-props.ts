import type { ConfigDto } from '../../../main/common/api.js';

/** What every screen gets: the console's settings, and a way to reload them after a change. */
export interface ScreenProps {
  config: ConfigDto;
  refresh: () => Promise<void>;
}
