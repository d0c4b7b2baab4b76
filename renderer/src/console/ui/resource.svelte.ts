import { onChange, type ChangeKind } from '../../api.js';
import { explain } from './format.js';

/** One request's state for a screen: loading, failed (with a sentence to show) or loaded. */
export class Resource<T> {
  data = $state<T | undefined>();
  error = $state<string | undefined>();
  loading = $state(true);

  constructor(
    private readonly what: string,
    private readonly fetcher: () => Promise<T>,
    /** Loads again when one of these changes anywhere (the change feed), while the screen shows. */
    follows: readonly ChangeKind[] = [],
  ) {
    if (follows.length > 0) {
      $effect(() =>
        onChange((kinds) => {
          if (kinds.some((kind) => follows.includes(kind))) void this.load();
        }),
      );
    }
  }

  /** Loads (again); keeps the old data on screen while it does, so nothing jumps. */
  async load(): Promise<void> {
    this.loading = true;
    try {
      this.data = await this.fetcher();
      this.error = undefined;
    } catch (error) {
      this.error = explain(this.what, error);
    } finally {
      this.loading = false;
    }
  }
}
