/**
 * The core with its parts in view (store, auth, live state, streams, launcher), for tests
 * that set things up or look inside. The shell and `serve` get only `createCore`'s few.
 */
export { assembleCore as createCoreForTests, type CoreParts as TestCore } from '../../main/core/assemble.js';
