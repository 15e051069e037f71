#!/usr/bin/env node
// The command line runs the compiled output, built by `npm ci` / `npm install` (the prepare script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('gridshard: dist/ is missing; run `npm run build` (npm ci runs it for you).');
  process.exit(2);
}
await import(main.href);
