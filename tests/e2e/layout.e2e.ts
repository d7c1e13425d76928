/**
 * A newcomer's first screen (1366 x 900): Train is reachable at once, by mouse (no scrolling) and
 * by keyboard (a few Tab presses), the run bar with Train / Pause / Stop and the progress stays
 * in view wherever the page is scrolled, the step bar jumps to each step, and the demo data says
 * it is a demo. Logs the figures (Tab presses, pixels to scroll) for the README.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { E2EContext } from './harness';
import { pageState, textOf, waitFor, waitForBackend } from './helpers';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function openAt(ctx: E2EContext, width: number, height: number): Promise<Page> {
  const context = await ctx.browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}?backend=wasm`);
  return page;
}

/** Tab presses from the page's start until the focused element is the Train button. */
async function tabsToTrain(page: Page, max = 200): Promise<number> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let n = 1; n <= max; n++) {
    await page.keyboard.press('Tab');
    const isTrain = await page.evaluate(() => {
      const el = document.activeElement;
      return el instanceof HTMLButtonElement && el.textContent?.trim() === 'Train';
    });
    if (isTrain) return n;
  }
  return Infinity;
}

async function firstScreen(ctx: E2EContext): Promise<void> {
  const page = await openAt(ctx, 1366, 900);
  await waitForBackend(page);
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await waitFor(
    'Train to be enabled on the demo data',
    () => train.isEnabled(),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  const box = await train.boundingBox();
  assert.ok(box, 'Train has a box');
  const scrollToTrain = Math.max(0, Math.ceil(box.y + box.height - 900));
  const tabs = await tabsToTrain(page);
  ctx.log(`Train at y=${Math.round(box.y)}: ${scrollToTrain} px to scroll, ${tabs} Tab presses`);
  assert.equal(scrollToTrain, 0, 'Train is on the first screen');
  assert.ok(tabs <= 12, `Train is at most 12 Tab presses away (${tabs})`);
  // The demo says it is one, and offers the user's own file.
  const demo = await textOf(page.getByTestId('demo-notice'));
  assert.match(demo, /demo/i);
  assert.ok(await page.getByRole('button', { name: 'Use your own file' }).isVisible());
  await page.screenshot({ path: path.join(ROOT, 'docs/screenshots/first-screen.png') });

  // Scrolled to the bottom, the run bar is still in view with its controls and the progress.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const bar = page.getByRole('region', { name: 'Run', exact: true });
  const barBox = await bar.boundingBox();
  assert.ok(
    barBox && barBox.y >= 0 && barBox.y < 120,
    `run bar in view: ${JSON.stringify(barBox)}`,
  );
  assert.ok(await train.isVisible(), 'Train visible at the bottom of the page');
  assert.ok(await page.getByRole('button', { name: 'Stop', exact: true }).isVisible());
  assert.match(await textOf(bar), /steps? of|step 0/i);

  // The step bar jumps to a step, and focus goes there for keyboard users.
  await page.getByRole('link', { name: /Arguments/ }).click();
  await waitFor('the arguments step in view', async () => {
    const h = await page.getByRole('heading', { name: /Training arguments/ }).boundingBox();
    return h !== null && h.y >= 0 && h.y < 400;
  });

  // Train from the bar at the bottom of the page: progress and ETA show in the bar.
  await train.click();
  await waitFor(
    'progress with an ETA in the run bar',
    async () => /ETA|Finished|Stopped/.test(await textOf(bar)),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await waitFor(
    'the run to stop',
    async () => /^(Stopped|Finished)/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  await page.context().close();
}

export const tests = [
  { name: 'first screen: Train in view and a few Tabs away; the run bar stays', fn: firstScreen },
];
