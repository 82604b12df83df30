#!/usr/bin/env node
// The published entry point. The sources are TypeScript run through tsx, so there is no build step
// between `npm ci` and `npx exp ...`.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
