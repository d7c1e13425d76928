/**
 * The rows behind the evaluation views: a model's logits on the prepared validation split, with
 * the texts, true labels and what truncation kept of each row.
 */
import type { SequenceClassifier } from '../model/classifier';
import type { Tokenizer } from '../tokenize/tokenizer';
import type { EvalRows } from '../train/evalDetails';
import { predictLogits } from '../train/evaluate';
import type { Prepared } from './types';

/**
 * `model`'s logits on `p`'s validation split in batches of `batchSize`, and for each row the
 * tokens kept and, where truncation cut it, the text those tokens decode to (see
 * `buildEvalDetails`).
 */
export async function validationEvalRows(
  model: SequenceClassifier,
  tok: Tokenizer,
  p: Prepared,
  batchSize: number,
): Promise<EvalRows> {
  const problemType = (model.config.problem_type ??
    'single_label_classification') as EvalRows['problemType'];
  const ds = p.validation;
  const { logits } = await predictLogits(
    model,
    ds,
    batchSize,
    {
      padding: 'longest',
      maxLength: p.options.maxLength,
      padId: tok.padId,
    },
    problemType,
  );
  const { ids, offsets } = ds.encoded;
  const keptTokens = new Int32Array(ds.size);
  const keptText: (string | null)[] = [];
  for (let i = 0; i < ds.size; i++) {
    keptTokens[i] = offsets[i + 1] - offsets[i];
    // Only a full-length row can have been cut; re-encoding tells whether it was.
    const full = keptTokens[i] >= p.options.maxLength;
    const cut = full && tok.encode(p.validationTexts[i], undefined, p.options.maxLength).truncated;
    keptText.push(
      cut
        ? tok.decodeIds(
            Array.from(ids.subarray(offsets[i], offsets[i + 1])).filter(
              (id) => id !== tok.clsId && id !== tok.sepId && id !== tok.padId,
            ),
          )
        : null,
    );
  }
  return {
    problemType,
    labelNames: p.maps.labels,
    logits,
    labels: Float32Array.from(ds.labels),
    texts: p.validationTexts,
    keptTokens,
    keptText,
    maxLength: p.options.maxLength,
  };
}
