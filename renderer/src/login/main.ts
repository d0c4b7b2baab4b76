import { mount } from 'svelte';
import '../lib/theme.css';
import Login from './Login.svelte';
import { returnTo } from './return-to.js';
import { signIn } from './sign-in.js';

const target = document.getElementById('app') as HTMLElement;
target.replaceChildren();
mount(Login, {
  target,
  props: {
    next: returnTo(location.search, location.origin),
    signIn,
    onSignedIn: (next: string) => location.assign(next),
  },
});
