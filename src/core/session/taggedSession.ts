/**
 * What a session does with a token-classification model (head 'token'): tags for tagged
 * sentences (`studio predict` on a CoNLL file), metrics on a
 * tagged file (`studio evaluate`), and the evaluation details of the prepared validation split
 * (the page's views). Free functions of the session, so `session.ts` stays one class of state.
 */
import type { TaggedCorpus } from '../data/taggedTypes';
import type { SequenceClassifier } from '../model/classifier';
import type { Tokenizer } from '../tokenize/tokenizer';
import { evaluateModel, type LogitsSource } from '../train/evaluate';
import { tokenClassificationLoss } from '../train/losses';
import { StudioError } from '../util/errors';
import type { StudioSession } from '../session';
import { alignTagSet, taggedDataset } from './tagged';
import { predictWordTags, taggedEvalDetails, type TaggedEvalDetails } from './taggedPredict';

/** The session's token-classification model, its tokenizer and the tokens it reads. */
export async function tokenModel(
  s: StudioSession,
  what: string,
): Promise<{ model: SequenceClassifier; tok: Tokenizer; maxLength: number }> {
  const model = s.model;
  const tok = s.modelTokenizer;
  if (!model || !tok)
    throw new StudioError('not-ready', 'There is no model yet: train one or load an exported one.');
  if (model.head !== 'token') {
    throw new StudioError(
      'not-ready',
      'This model labels whole texts (sequence classification), not words: it has no entities ' +
        'to show.',
      { remedy: 'Train a model on a tagged (CoNLL, JSON Lines) file, or load a token classifier.' },
    );
  }
  await s.modelAtRest(what);
  return { model, tok, maxLength: s.inputLength ?? model.maxInputLength() };
}

/** The predicted tag of every word of each sentence ('O' for words truncation cut). */
export async function sentenceTags(s: StudioSession, sentences: string[][]): Promise<string[][]> {
  const { model, tok, maxLength } = await tokenModel(s, 'to predict');
  return predictWordTags(model, tok, s.labels, sentences, maxLength);
}

/**
 * `eval_`-prefixed metrics of the model on a tagged corpus (its tags must be among the model's),
 * as the Trainer logs them: eval_loss, eval_precision, eval_recall, eval_f1, eval_accuracy.
 */
export async function evaluateTagged(
  s: StudioSession,
  corpus: TaggedCorpus,
  fileName: string,
  maxLength: number | null,
  batchSize = 32,
  /** Where the logits come from (the CLI's replicas); default this thread. */
  logits?: LogitsSource,
): Promise<Record<string, number>> {
  const { model, tok, maxLength: own } = await tokenModel(s, 'to evaluate it');
  const length = maxLength ?? own;
  const aligned = alignTagSet(corpus, s.labels, fileName);
  const ds = taggedDataset(tok, aligned, length, false);
  const out = await evaluateModel({
    model,
    dataset: ds,
    problemType: 'single_label_classification',
    numLabels: s.labels.length,
    batchSize,
    collate: { padding: 'longest', maxLength: length, padId: tok.padId },
    lossOf: tokenClassificationLoss(),
    logits,
  });
  return out.metrics;
}

/** The evaluation details of the prepared tagged validation split (the page's views). */
export async function taggedDetails(s: StudioSession, batchSize = 32): Promise<TaggedEvalDetails> {
  const { model, tok } = await tokenModel(s, 'to evaluate it');
  const p = s.prepared;
  if (!p?.tagged)
    throw new StudioError('not-ready', 'There is no prepared tagged validation split.');
  if (tok !== s.tokenizer) {
    throw new StudioError(
      'tokenizer',
      "The validation split was tokenized with another tokenizer than this model's.",
      { remedy: 'Prepare the data with the model’s tokenizer, or evaluate it on a file.' },
    );
  }
  return taggedEvalDetails(model, tok, p, batchSize);
}
