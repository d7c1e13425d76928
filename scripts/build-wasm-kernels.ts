/**
 * Assembles the studio's WebAssembly kernels (src/core/kernels/gemmWat.ts) with wabt and writes
 * them, base64-encoded, to src/core/kernels/gemmWasm.generated.ts. Run after changing the text:
 *
 *   node --import tsx scripts/build-wasm-kernels.ts
 *
 * A unit test (tests/unit/wasmKernels.test.ts) fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assembleGemmKernels, generatedModuleText } from '../src/core/kernels/assemble';

const out = resolve(import.meta.dirname, '../src/core/kernels/gemmWasm.generated.ts');
writeFileSync(out, generatedModuleText(await assembleGemmKernels()));
console.log(`wrote ${out}`);
