/**
 * Writes src/core/script/train.py (the bundle's transformers Trainer script, a real Python file)
 * into src/core/script/trainPy.generated.ts as one string, so that Vite, tsx and the worker all
 * import it the same way. Run after editing train.py:
 *
 *   node --import tsx scripts/build-train-script.ts
 *
 * A unit test (tests/unit/script-bundle.test.ts) fails when the committed module is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { trainPyModuleText } from '../src/core/script/trainPyModule';

const dir = resolve(import.meta.dirname, '../src/core/script');
const out = resolve(dir, 'trainPy.generated.ts');
writeFileSync(out, trainPyModuleText(readFileSync(resolve(dir, 'train.py'), 'utf8')));
console.log(`wrote ${out}`);
