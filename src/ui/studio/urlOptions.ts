/** Options the page URL carries: the preferred backend and (test builds) the e2e tests' hooks. */
import { TEST_HOOKS, type Api, type BackendInfo } from '../../worker/client';

/** A backend the user can ask for; 'auto' lets the worker pick (WebGPU first). */
export type BackendChoice = BackendInfo['name'] | 'auto';
/** The backend bar's choices, in its order. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** Reads `?backend=` from the page URL, 'auto' when absent or unknown. */
export function backendFromUrl(search: string): BackendChoice {
  const v = new URLSearchParams(search).get('backend');
  return (BACKEND_CHOICES as readonly string[]).includes(v ?? '') ? (v as BackendChoice) : 'auto';
}

/**
 * e2e test hooks from the page URL, in test builds only (`TEST_HOOKS`; always null in the
 * production build, which leaves this code out): `e2e-quota=1` simulates a full storage quota for
 * checkpoint writes, `e2e-device-loss=N` loses the WebGPU device after step N. Null when the URL
 * has neither, so ordinary pages never call `testHooks`.
 */
export function e2eHooksFromUrl(search: string): Api['testHooks'][0] | null {
  return TEST_HOOKS ? testHooksFromQuery(search) : null;
}

function testHooksFromQuery(search: string): Api['testHooks'][0] | null {
  const q = new URLSearchParams(search);
  const hooks: Api['testHooks'][0] = {};
  if (q.get('e2e-quota') === '1') hooks.quota = true;
  const lose = Number(q.get('e2e-device-loss'));
  if (q.has('e2e-device-loss') && Number.isInteger(lose) && lose > 0) hooks.loseDeviceAtStep = lose;
  return Object.keys(hooks).length > 0 ? hooks : null;
}

/** The page's query string ('' outside a browser, e.g. in unit tests). */
export function pageSearch(): string {
  return typeof location === 'undefined' ? '' : location.search;
}
