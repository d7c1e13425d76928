#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so `npx studio ...` works straight from a clone.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
