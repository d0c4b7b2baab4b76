import type { Component } from 'svelte';
import About from './screens/About.svelte';
import Account from './screens/Account.svelte';
import Apps from './screens/Apps.svelte';
import Audit from './screens/Audit.svelte';
import Bans from './screens/Bans.svelte';
import Home from './screens/Home.svelte';
import Identity from './screens/Identity.svelte';
import Tokens from './screens/Tokens.svelte';
import Users from './screens/Users.svelte';
import ViewAs from './screens/ViewAs.svelte';
import type { ScreenProps } from './screen-props.js';

export interface Screen {
  id: string;
  label: string;
  component: Component<ScreenProps>;
}

/** Screens that need neither prop take them all the same. */
const screen = (id: string, label: string, component: Component<ScreenProps> | Component<Record<string, never>>) =>
  ({ id, label, component: component as Component<ScreenProps> }) satisfies Screen;

export const SCREENS: Screen[] = [
  screen('home', 'Home', Home),
  screen('apps', 'Apps', Apps),
  screen('identity', 'Identity', Identity),
  screen('users', 'Users', Users),
  screen('view-as', 'View as', ViewAs),
  screen('tokens', 'Service accounts', Tokens),
  screen('bans', 'Bans', Bans),
  screen('audit', 'Audit log', Audit),
  screen('account', 'Account', Account),
  screen('about', 'About', About),
];

/** The screens a signed-in user who is not an Admin may use. */
export const LIMITED_SCREENS = ['account'];

/** The screen named by a location hash such as `#/users`, else the first allowed one. */
export function screenFor(hash: string, allowed: Screen[]): Screen {
  const id = hash.replace(/^#\/?/, '');
  return allowed.find((s) => s.id === id) ?? (allowed[0] as Screen);
}
