import { mount } from 'svelte';
import '../lib/theme.css';
import './console.css';
import App from './App.svelte';

const target = document.getElementById('app') as HTMLElement;
target.replaceChildren();
mount(App, { target });
