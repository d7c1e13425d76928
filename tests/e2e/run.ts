/**
 * End-to-end test runner: serves `dist/` (build it first: `npm run build:e2e`, the build with the
 * test hooks), launches Debian's headless Chromium through playwright-core with WebGPU on
 * SwiftShader, and runs every `tests/e2e/*.e2e.ts` file in order.
 *
 *   node --import tsx tests/e2e/run.ts [name-filter ...]
 *
 * Env: CHROMIUM_PATH (default /usr/bin/chromium), E2E_TIMEOUT_MS (per test, default 8 minutes),
 * E2E_HEADED=1 to watch. Prints one line per test with its time, then `N passed, N failed`
 * alone on the last line; exits 1 on any failure. Screenshots and downloads go to test-results/.
 */
import { access, constants, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { TEST_HOOK_MARKERS, testHookMarkersIn } from '../../scripts/testHookMarkers';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import type { E2EContext, E2EModule, E2ETest } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const distDir = path.join(repoRoot, 'dist');
const outDir = path.join(repoRoot, 'test-results');
const defaultTimeoutMs = Number(process.env.E2E_TIMEOUT_MS) || 8 * 60_000;

class SetupError extends Error {}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function checkPrerequisites(): Promise<void> {
  try {
    await access(path.join(distDir, 'index.html'));
  } catch {
    throw new SetupError(
      `No build in ${distDir}: run \`npm run build:e2e\` first (npm run test:e2e does).`,
    );
  }
  // The fault-injection tests need the hooks, which only the e2e build has.
  const markers = new Set((await testHookMarkersIn(distDir)).map((f) => f.marker));
  const missing = TEST_HOOK_MARKERS.filter((m) => !markers.has(m));
  if (missing.length > 0) {
    throw new SetupError(
      `${distDir} is not an e2e build (it lacks the test hooks: ${missing.join(', ')}): run ` +
        '`npm run build:e2e` first (npm run test:e2e does).',
    );
  }
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new SetupError(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with: apt-get install chromium ` +
        '(or point CHROMIUM_PATH at a Chromium/Chrome binary).',
    );
  }
}

/** Fails with a clear message unless the browser has a WebGPU adapter; returns its description. */
async function checkWebGpu(browser: Browser, baseUrl: string): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // A blank page on the app's origin: a secure context (127.0.0.1) without booting the app.
    const probeUrl = `${baseUrl}__webgpu_probe__`;
    await page.route(probeUrl, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>probe</title>' }),
    );
    await page.goto(probeUrl);
    const result = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return { ok: false, why: 'navigator.gpu is missing' };
      const adapter = (await gpu.requestAdapter()) as {
        info?: { vendor?: string; architecture?: string; description?: string };
        isFallbackAdapter?: boolean;
      } | null;
      if (!adapter) return { ok: false, why: 'requestAdapter() returned null' };
      const info = adapter.info ?? {};
      const fallback = (adapter.info as { isFallbackAdapter?: boolean } | undefined)
        ?.isFallbackAdapter;
      return {
        ok: true,
        why:
          `${info.vendor || '?'} ${info.architecture || ''} ${info.description || ''}`.trim() +
          ((fallback ?? adapter.isFallbackAdapter) ? ' (fallback adapter)' : ''),
      };
    });
    if (!result.ok) {
      throw new SetupError(
        `WebGPU is unavailable in ${CHROMIUM_PATH} (${result.why}). The tests need Chromium 113+ ` +
          `started with: ${CHROMIUM_ARGS.join(' ')}; on Debian, apt-get install chromium ` +
          '(its SwiftShader Vulkan gives a software adapter).',
      );
    }
    return result.why;
  } finally {
    await context.close();
  }
}

async function loadTests(filters: string[]): Promise<{ file: string; test: E2ETest }[]> {
  const files = (await readdir(here)).filter((f) => f.endsWith('.e2e.ts')).sort();
  const all: { file: string; test: E2ETest }[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(here, f)).href)) as E2EModule;
    const stem = f.replace(/\.e2e\.ts$/, '');
    const exported = mod.tests ?? mod.default;
    const list: E2ETest[] =
      typeof exported === 'function'
        ? [{ name: stem, fn: exported }]
        : Array.isArray(exported)
          ? exported
          : [];
    if (list.length === 0) throw new SetupError(`${f} exports no tests (default or tests).`);
    for (const test of list) all.push({ file: stem, test });
  }
  if (filters.length === 0) return all;
  return all.filter(({ file, test }) =>
    filters.some((q) => `${file} › ${test.name}`.toLowerCase().includes(q.toLowerCase())),
  );
}

/**
 * Makes every context the test opens (browser.newContext / newPage) forward console errors and
 * page errors to the output and be tracked for clean-up. Returns the un-patch function.
 */
function instrument(
  browser: Browser,
  contexts: Set<BrowserContext>,
  print: (line: string) => void,
): () => void {
  const original = browser.newContext.bind(browser);
  const watchPage = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      const where = msg.location().url
        ? ` (${msg.location().url.replace(/^https?:\/\/[^/]+/, '')})`
        : '';
      print(`[console.${msg.type()}] ${msg.text()}${where}`);
    });
    page.on('pageerror', (err) => print(`[pageerror] ${err.stack || err.message || String(err)}`));
    page.on('crash', () => print('[crash] the page crashed'));
  };
  browser.newContext = async (options) => {
    const context = await original(options);
    contexts.add(context);
    context.on('page', watchPage);
    return context;
  };
  return () => {
    browser.newContext = original;
  };
}

async function screenshotOpenPages(
  contexts: Set<BrowserContext>,
  label: string,
): Promise<string[]> {
  const saved: string[] = [];
  let i = 0;
  for (const context of contexts) {
    for (const page of context.pages()) {
      const file = path.join(outDir, `${label}-failure${i++ ? `-${i}` : ''}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
        saved.push(path.relative(repoRoot, file));
      } catch {
        // A closed or crashed page has nothing to show.
      }
    }
  }
  return saved;
}

async function runOne(browser: Browser, baseUrl: string, file: string, test: E2ETest) {
  const title = `${file} › ${test.name}`;
  const started = Date.now();
  const contexts = new Set<BrowserContext>();
  const print = (line: string) =>
    console.log(
      `    ${seconds(Date.now() - started).padStart(7)}  ${line.replace(/\n/g, '\n' + ' '.repeat(15))}`,
    );
  const unpatch = instrument(browser, contexts, print);
  const ctx: E2EContext = { browser, baseUrl, outDir, log: print };
  const limit = test.timeoutMs ?? defaultTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let error: unknown = null;
  console.log(`  ▶ ${title}`);
  try {
    await Promise.race([
      test.fn(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${seconds(limit)} (E2E_TIMEOUT_MS to change).`)),
          limit,
        );
      }),
    ]);
  } catch (err) {
    error = err;
  } finally {
    clearTimeout(timer);
    unpatch();
  }
  const shots = error ? await screenshotOpenPages(contexts, title.replace(/[^\w.-]+/g, '_')) : [];
  // Closing the contexts also ends whatever a timed-out test was still awaiting.
  await Promise.all([...contexts].map((c) => c.close().catch(() => undefined)));
  const took = seconds(Date.now() - started);
  if (!error) {
    console.log(`  ✓ ${title} (${took})`);
    return true;
  }
  const detail = error instanceof Error ? error.stack || error.message : String(error);
  console.log(`  ✗ ${title} (${took})`);
  console.log(detail.replace(/^/gm, '      '));
  for (const s of shots) console.log(`      screenshot: ${s}`);
  return false;
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  await checkPrerequisites();
  // Start clean, so every file there (screenshots, downloads) comes from this run.
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const tests = await loadTests(filters);
  if (tests.length === 0) throw new SetupError(`No e2e test matches ${filters.join(', ')}.`);

  const server = await startServer({ root: distDir, port: 0 });
  let browser: Browser | null = null;
  try {
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: process.env.E2E_HEADED !== '1',
        args: CHROMIUM_ARGS,
      });
    } catch (err) {
      throw new SetupError(
        `Could not start Chromium at ${CHROMIUM_PATH}: ${(err as Error).message.split('\n')[0]}. ` +
          'Install it with: apt-get install chromium',
      );
    }
    const adapter = await checkWebGpu(browser, server.url);
    console.log(
      `e2e: Chromium ${browser.version()} · WebGPU adapter: ${adapter} · app at ${server.url}`,
    );
    let passed = 0;
    let failed = 0;
    for (const { file, test } of tests) {
      if (await runOne(browser, server.url, file, test)) passed++;
      else failed++;
    }
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SetupError) console.error(`e2e: ${err.message}`);
    else console.error(err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
