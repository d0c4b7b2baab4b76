#!/usr/bin/env node
// The version check comes first and alone: on an older Node the native addons the CLI
// loads would crash the process before it could say why.
import './check-node.cjs';

const { main } = await import('../dist/main/cli/main.js');
await main(process.argv.slice(2));
