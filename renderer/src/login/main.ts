import { mount } from 'svelte';
import '../lib/theme.css';
import Login from './Login.svelte';
import { returnTo } from './return-to.js';
import { signIn, signUp, signupEnabled } from './sign-in.js';

const target = document.getElementById('app') as HTMLElement;
const canSignUp = await signupEnabled();
target.replaceChildren();
mount(Login, {
  target,
  props: {
    next: returnTo(location.search, location.origin),
    signIn,
    signUp,
    signupEnabled: canSignUp,
    onSignedIn: (next: string) => location.assign(next),
  },
});
