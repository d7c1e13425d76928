#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so `npx studio ...` works straight from a clone.
import v8 from 'node:v8';

import { register } from 'tsx/esm/api';

// Relaxed SIMD (the matmul kernel's FMA build) is on by default in Chrome and behind this flag in
// Node 20; V8's flags are the process's, so the worker_threads of data-parallel training get it
// too. Where a runtime lacks it, the kernels validate it and keep their plain build.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
register();
const { main } = await import('../../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
