/**
 * Checks that the production build carries none of the e2e test hooks: builds the studio as
 * `npm run build` does (Vite, mode production) into a temporary folder, so `dist/` is left
 * alone, and fails when any file names a hook (scripts/testHookMarkers.ts). Run by `npm test`.
 *
 *   node --import tsx scripts/check-dist.ts [DIR]     # DIR: check an existing build instead
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (found.length > 0) {
      for (const f of found)
        console.error(`check-dist: ${f.file} names the test hook "${f.marker}"`);
      console.error('check-dist: the production build must carry no test hooks (see TEST_HOOKS).');
      return 1;
    }
    console.log(
      `check-dist: the production build names none of ${TEST_HOOK_MARKERS.join(', ')} (${secs} s)`,
    );
    return 0;
  } finally {
    if (!given) await rm(outDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
