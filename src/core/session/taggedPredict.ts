/**
 * Using a token-classification model: tags for the words of tagged sentences (`studio
 * predict`), and the evaluation details the page's views draw (per-type scores, the confusion of
 * entity types, sentences with mistakes). Entities in typed texts: taggedEntities.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  EntityConfusion,
  TaggedSentenceResult,
  TokenClassificationMetrics,
} from '../data/taggedTypes';
import type { SequenceClassifier } from '../model/classifier';
import { wordTags } from '../tokenize/alignTags';
import type { Tokenizer } from '../tokenize/tokenizer';
import { inputTensors, isTagged } from '../train/dataset';
import { inProcessLogits } from '../train/evaluate';
import { predictTokenLogits, taggedMetrics, tokenTagIds } from '../train/evaluateTagged';
import { entityConfusion, sentenceResults } from '../train/seqeval';
import { StudioError } from '../util/errors';
import { sentencesOf, tagNamesOf } from './tagged';
import type { Prepared } from './types';

/** Sentences the evaluation details carry (mistakes first). */
export const MAX_DETAIL_SENTENCES = 200;

/** The token logits [ids.length, num_labels] of one encoded text (forward only, one row). */
export async function rowLogits(
  model: SequenceClassifier,
  ids: readonly number[],
): Promise<Float32Array> {
  const n = ids.length;
  const logits = tf.tidy(() => {
    const inputs = inputTensors(
      {
        inputIds: Int32Array.from(ids),
        attentionMask: new Int32Array(n).fill(1),
        tokenTypeIds: new Int32Array(n),
        batchSize: 1,
        seqLen: n,
      },
      model.takesTokenTypeIds(),
    );
    return model.forward(inputs, { training: false }).logits;
  });
  const values = await logits.data<'float32'>();
  logits.dispose();
  return values;
}

/**
 * The predicted tag of every word of each sentence: the sentence tokenized as split into words
 * (`encodeWords`, cut at `maxLength`), each word's tag from its first sub-token; a word
 * truncation cut gets 'O'.
 */
export async function predictWordTags(
  model: SequenceClassifier,
  tok: Tokenizer,
  labelNames: string[],
  sentences: string[][],
  maxLength: number,
): Promise<string[][]> {
  const n = labelNames.length;
  const out: string[][] = [];
  for (const words of sentences) {
    const enc = tok.encodeWords(words, maxLength);
    const ids = tokenTagIds(await rowLogits(model, enc.ids), n);
    const wordIds = Int32Array.from(enc.wordIds, (w) => (w === null ? -1 : w));
    const tags = wordTags(ids, wordIds, words.length);
    out.push(Array.from(tags, (t) => (t < 0 ? 'O' : labelNames[t])));
  }
  return out;
}

/** The entity types of tag names (B-PER, I-PER -> PER), in label order. */
export function entityTypes(labelNames: readonly string[]): string[] {
  const types: string[] = [];
  for (const name of labelNames) {
    const m = /^[BIES]-(.+)$/.exec(name);
    if (m && !types.includes(m[1])) types.push(m[1]);
  }
  return types;
}

/**
 * A token-classification model's evaluation on the validation split, for the views: the metrics
 * as logged (`metrics`, seqeval over the labelled tokens, with scores per type), the confusion
 * of entity types (with missed and spurious), and the sentences with their gold and predicted
 * entities (word level), the ones with most mistakes first.
 */
export interface TaggedEvalDetails {
  kind: 'token-classification';
  metrics: TokenClassificationMetrics;
  confusion: EntityConfusion;
  /** Up to {@link MAX_DETAIL_SENTENCES}, mistakes first (most errors first, then in order). */
  sentences: TaggedSentenceResult[];
  /** Validation sentences in all, and those with at least one mistake. */
  sentenceCount: number;
  sentencesWithErrors: number;
}

/** {@link TaggedEvalDetails} of `model` on the prepared tagged validation split. */
export async function taggedEvalDetails(
  model: SequenceClassifier,
  tok: Tokenizer,
  p: Prepared,
  batchSize: number,
): Promise<TaggedEvalDetails> {
  const ds = p.validation;
  if (!isTagged(ds) || !p.tagged) {
    throw new StudioError('not-ready', 'The prepared data is not tagged (token classification).');
  }
  const names = ds.tagged.labelNames;
  const collate = { padding: 'longest' as const, maxLength: p.options.maxLength, padId: tok.padId };
  const { tokenLogits } = await predictTokenLogits(
    ds,
    names.length,
    batchSize,
    collate,
    inProcessLogits(model),
  );
  const ids = tokenTagIds(tokenLogits, names.length);
  const { offsets } = ds.encoded;
  const pred: string[][] = [];
  for (let r = 0; r < ds.size; r++) {
    const from = offsets[r];
    const to = offsets[r + 1];
    const tags = wordTags(
      ids.subarray(from, to),
      ds.tagged.wordIds.subarray(from, to),
      ds.tagged.words[r],
    );
    pred.push(Array.from(tags, (t) => (t < 0 ? 'O' : names[t])));
  }
  const words = sentencesOf(p.tagged.validation);
  const gold = tagNamesOf(p.tagged.validation);
  const results = sentenceResults(words, gold, pred);
  const ranked = results
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.errors - a.s.errors || a.i - b.i)
    .map((x) => x.s);
  return {
    kind: 'token-classification',
    metrics: taggedMetrics(ds, tokenLogits),
    confusion: entityConfusion(gold, pred, entityTypes(names)),
    sentences: ranked.slice(0, MAX_DETAIL_SENTENCES),
    sentenceCount: results.length,
    sentencesWithErrors: results.filter((s) => s.errors > 0).length,
  };
}
