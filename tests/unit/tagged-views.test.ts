/**
 * The page's token-classification views as pure parts: the run view keeps a tagged run's
 * evaluation details (and drops them when a paused run trains on, or a new run starts), and the
 * tagged data report's length histograms count every sentence once.
 */
import { describe, expect, it } from 'vitest';
import { IDLE_SNAPSHOT } from '../../src/core/run/runMachine';
import type { TaggedEvalDetails } from '../../src/core/session/taggedPredict';
import { INITIAL_RUN_VIEW, runReducer } from '../../src/ui/studio/runReducer';
import { lengthBars } from '../../src/ui/TaggedReport';

const details: TaggedEvalDetails = {
  kind: 'token-classification',
  metrics: { precision: 0.5, recall: 0.25, f1: 1 / 3, accuracy: 0.9, perType: [] },
  confusion: { types: ['person'], counts: [1, 2, 3, 0] },
  sentences: [],
  sentenceCount: 4,
  sentencesWithErrors: 2,
};

describe('run view of a tagged run', () => {
  it('holds the evaluation details, not classification rows', () => {
    const v = runReducer(INITIAL_RUN_VIEW, { type: 'evalRows', rows: null, tagged: details });
    expect(v.taggedDetails).toBe(details);
    expect(v.evalRows).toBeNull();
  });

  it('drops them when a paused run trains on, and when a new run starts', () => {
    const paused = runReducer(
      { ...INITIAL_RUN_VIEW, state: 'paused', shown: 'live', taggedDetails: details },
      { type: 'snapshot', snapshot: { ...IDLE_SNAPSHOT, state: 'training', hasModel: true } },
    );
    expect(paused.taggedDetails).toBeNull();
    const started = runReducer(
      { ...INITIAL_RUN_VIEW, taggedDetails: details },
      { type: 'starting', progress: null },
    );
    expect(started.taggedDetails).toBeNull();
  });
});

describe('lengthBars', () => {
  it('counts every length once, in bins of one width from 0', () => {
    const lengths = [1, 2, 2, 5, 9, 30, 41];
    const bars = lengthBars(lengths, 12);
    expect(bars.reduce((a, b) => a + b.count, 0)).toBe(lengths.length);
    expect(bars[0]).toEqual({ label: '0–3', count: 3 });
    expect(bars.at(-1)).toEqual({ label: '40–43', count: 1 });
  });

  it('gives one bar per length when they are short, none for no sentences', () => {
    expect(lengthBars([0, 1, 1], 12)).toEqual([
      { label: '0', count: 1 },
      { label: '1', count: 2 },
    ]);
    expect(lengthBars([])).toEqual([]);
  });
});
