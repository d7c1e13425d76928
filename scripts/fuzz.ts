/**
 * Property tests of every loader with many hostile inputs (tests/fuzz/loaders.ts): 10,000 per
 * loader by default, from a fresh seed that is printed, so a failure replays exactly.
 *
 *   npm run fuzz                                  # every loader, 10,000 inputs each, a new seed
 *   npm run fuzz -- --seed N [--only CSV,gzip] [--runs 500]   # replay (or a subset, fewer runs)
 *
 * Prints per loader the inputs tried, how many were accepted and rejected (with how many distinct
 * messages) and the time taken; exits 1 when any loader crashed, broke its property, took over
 * PER_INPUT_MS on one input or leaked tensors. (CI runs smaller fixed-seed versions in
 * tests/unit/fuzz-*.test.ts.)
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { FUZZ_LOADERS, PER_INPUT_MS, type FuzzLoader } from '../tests/fuzz/loaders';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '10000' },
    only: { type: 'string' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const runs = Number(values.runs);
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
  console.error('fuzz: --seed and --runs take integers (--runs at least 1).');
  process.exit(2);
}
const only = values.only?.split(',').map((s) => s.trim().toLowerCase());
const loaders = FUZZ_LOADERS.filter((l) => !only || only.includes(l.name.toLowerCase()));
if (loaders.length === 0) {
  console.error(
    `fuzz: no loader named ${values.only}; the loaders: ${FUZZ_LOADERS.map((l) => l.name).join(', ')}`,
  );
  process.exit(2);
}

/**
 * Rejections nobody awaited, noted rather than left to end the process: a loader whose input
 * leaves one behind fails (in the browser it is an uncaught error, in the CLI a crash).
 */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
const settle = () => new Promise((resolve) => setImmediate(resolve));

interface Tally {
  tried: number;
  accepted: number;
  rejections: Map<string, number>;
  slowestMs: number;
}

async function fuzz(loader: FuzzLoader): Promise<{ tally: Tally; failure: string | null }> {
  const tally: Tally = { tried: 0, accepted: 0, rejections: new Map(), slowestMs: 0 };
  const tensors = tf.memory().numTensors;
  let failure: string | null = null;
  try {
    await fc.assert(
      fc.asyncProperty(loader.inputs(), async (input) => {
        tally.tried++;
        const t0 = performance.now();
        const outcome = await loader.load(input);
        const ms = performance.now() - t0;
        await settle();
        if (unhandled.length > 0) {
          const reason = unhandled.splice(0).map((r) => (r instanceof Error ? r.stack : String(r)));
          throw new Error(`the input left a rejection nobody awaited: ${reason.join('\n')}`);
        }
        tally.slowestMs = Math.max(tally.slowestMs, ms);
        if (ms > PER_INPUT_MS) throw new Error(`one input took ${ms.toFixed(0)} ms`);
        if (outcome === null) tally.accepted++;
        else tally.rejections.set(outcome, (tally.rejections.get(outcome) ?? 0) + 1);
      }),
      { seed, numRuns: runs },
    );
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  } finally {
    loader.done?.();
  }
  const leaked = tf.memory().numTensors - tensors;
  if (!failure && leaked !== 0) failure = `${leaked} tensors leaked`;
  return { tally, failure };
}

async function main(): Promise<number> {
  await tf.setBackend('cpu');
  console.log(
    `fuzz: seed ${seed}, ${runs.toLocaleString('en-US')} inputs per loader ` +
      `(replay: npm run fuzz -- --seed ${seed})`,
  );
  const started = performance.now();
  const failed: string[] = [];
  for (const loader of loaders) {
    const t0 = performance.now();
    const { tally, failure } = await fuzz(loader);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const rejected = tally.tried - tally.accepted;
    console.log(
      `${failure ? 'FAIL' : 'ok  '} ${loader.name.padEnd(18)} ${String(tally.tried).padStart(6)} inputs ` +
        `in ${secs.padStart(5)} s  (accepted ${tally.accepted}, rejected ${rejected} with ` +
        `${tally.rejections.size} distinct messages; slowest ${tally.slowestMs.toFixed(0)} ms)`,
    );
    if (failure) {
      failed.push(loader.name);
      console.log(failure.replace(/^/gm, '     '));
    }
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  if (failed.length > 0) {
    console.log(
      `fuzz: ${failed.length} of ${loaders.length} loaders failed (${total} s); replay with ` +
        `npm run fuzz -- --seed ${seed} --only "${failed.join(',')}"`,
    );
    return 1;
  }
  console.log(`fuzz: ${loaders.length} loaders passed in ${total} s (seed ${seed})`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
