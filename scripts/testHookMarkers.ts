/**
 * Text that only the e2e fault-injection hooks put into a build (src/core/buildFlags.ts): the
 * page's URL flags (the panel boundary's `e2e-panel-throw` too), the device-loss request field
 * and the simulated quota error. A production build holds none of them (`scripts/check-dist.ts`);
 * the e2e build holds them all (tests/e2e/run.ts checks before it starts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const TEST_HOOK_MARKERS = [
  'e2e-quota',
  'e2e-device-loss',
  'loseDeviceAtStep',
  'Simulated full quota',
  'e2e-panel-throw',
] as const;

/** The markers found in the text files (js, html, css, json) under `dir`, with where. */
export async function testHookMarkersIn(dir: string): Promise<{ marker: string; file: string }[]> {
  const found: { marker: string; file: string }[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile() || !/\.(m?js|html|css|json)$/.test(e.name)) continue;
    const file = path.join(e.parentPath, e.name);
    const text = await readFile(file, 'utf8');
    for (const marker of TEST_HOOK_MARKERS) {
      if (text.includes(marker)) found.push({ marker, file: path.relative(dir, file) });
    }
  }
  return found;
}
