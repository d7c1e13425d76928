/**
 * Checks that the production build carries none of the e2e test hooks: builds the studio as
 * `npm run build` does (Vite, mode production) into a temporary folder, so `dist/` is left
 * alone, and fails when any file names a hook (scripts/testHookMarkers.ts). Also checks that the
 * scripts index.html loads at start carry no onnxruntime-web (it is loaded on demand, by "Use it
 * in your web page") and prints their size. Run by `npm test`.
 *
 *   node --import tsx scripts/check-dist.ts [DIR]     # DIR: check an existing build instead
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { TEST_HOOK_MARKERS, testHookMarkersIn } from './testHookMarkers';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const given = process.argv[2];
  const started = performance.now();
  const outDir = given ? path.resolve(given) : await mkdtemp(path.join(tmpdir(), 'studio-dist-'));
  try {
    if (!given) {
      await build({
        root: repoRoot,
        mode: 'production',
        logLevel: 'error',
        build: { outDir, emptyOutDir: true },
      });
    }
    const found = await testHookMarkersIn(outDir);
    const ortAtStart = await onnxRuntimeAtStart(outDir);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (found.length > 0) {
      for (const f of found)
        console.error(`check-dist: ${f.file} names the test hook "${f.marker}"`);
      console.error('check-dist: the production build must carry no test hooks (see TEST_HOOKS).');
      return 1;
    }
    if (ortAtStart.found.length > 0) {
      for (const f of ortAtStart.found) {
        console.error(
          `check-dist: ${f.file}, loaded at start, holds onnxruntime-web ("${f.marker}")`,
        );
      }
      console.error('check-dist: onnxruntime-web must stay in the chunk loaded on demand.');
      return 1;
    }
    console.log(
      `check-dist: the scripts loaded at start (${ortAtStart.files.join(', ')}) are ` +
        `${ortAtStart.bytes} bytes and hold no onnxruntime-web`,
    );
    console.log(
      `check-dist: the production build names none of ${TEST_HOOK_MARKERS.join(', ')} (${secs} s)`,
    );
    return 0;
  } finally {
    if (!given) await rm(outDir, { recursive: true, force: true });
  }
}

/** Text only onnxruntime-web's JavaScript holds. */
const ORT_MARKERS = ['InferenceSession', 'ort-wasm-simd-threaded'];

/** The scripts index.html loads at start (entry and module preloads), their bytes and markers. */
async function onnxRuntimeAtStart(dir: string) {
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const found: { file: string; marker: string }[] = [];
  let bytes = 0;
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    bytes += Buffer.byteLength(text);
    for (const marker of ORT_MARKERS) if (text.includes(marker)) found.push({ file, marker });
  }
  if (files.length === 0) found.push({ file: 'index.html', marker: 'no script found' });
  return { files, bytes, found };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
