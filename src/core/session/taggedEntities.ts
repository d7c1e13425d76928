/**
 * Entities in typed texts, grouped as `pipeline("token-classification",
 * aggregation_strategy="simple")` groups them: Try it and `studio predict`.
 */
import type { TextEntity } from '../data/taggedTypes';
import type { SequenceClassifier } from '../model/classifier';
import { aggregateSimple, softmaxRows } from '../tokenize/aggregateEntities';
import type { Tokenizer } from '../tokenize/tokenizer';
import type { StudioSession } from '../session';
import { rowLogits } from './taggedPredict';
import { tokenModel } from './taggedSession';

/**
 * The entities in each text as the pipeline's simple aggregation gives them: tokens with their
 * character offsets (`encodeWithOffsets`, cut at `maxLength`), softmax scores per token, then
 * `aggregateSimple` (adjacent tokens of one entity type grouped; score = their mean; words
 * decoded from the tokens, an unknown token's from the text).
 */
export async function predictEntities(
  model: SequenceClassifier,
  tok: Tokenizer,
  labelNames: string[],
  texts: string[],
  maxLength: number,
): Promise<TextEntity[][]> {
  const out: TextEntity[][] = [];
  const n = labelNames.length;
  for (const text of texts) {
    const enc = tok.encodeWithOffsets(text, maxLength);
    const probs = softmaxRows(await rowLogits(model, enc.ids), n);
    const tokens = enc.ids.map((id, i) => ({
      id,
      start: enc.offsets[i][0],
      end: enc.offsets[i][1],
      special: enc.special[i],
      unknown: enc.unknown[i],
      probs: probs[i],
    }));
    out.push(aggregateSimple(text, tokens, labelNames, (ids) => tok.decodeTokens(ids)));
  }
  return out;
}

/** The entities of each text, as `pipeline(..., aggregation_strategy="simple")` returns them. */
export async function textEntities(s: StudioSession, texts: string[]): Promise<TextEntity[][]> {
  const { model, tok, maxLength } = await tokenModel(s, 'to try it');
  return predictEntities(model, tok, s.labels, texts, maxLength);
}
