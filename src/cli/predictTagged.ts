/**
 * `studio predict` with a token-classification model: for a tagged file (CoNLL, JSON Lines with
 * tokens), one JSON line per sentence with its `tokens`, the predicted `tags` (one per word) and
 * the `entities` of the sentence's words joined by spaces, as `pipeline("token-classification",
 * aggregation_strategy="simple")` gives them; for a plain text file (one text per line), each
 * line's `text` and `entities`.
 */
import type { StudioSession } from '../core/session';
import { decodeBytes } from '../core/data/decode';
import { readTaggedFile, sentencesOf } from '../core/session/tagged';
import { textEntities } from '../core/session/taggedEntities';
import { sentenceTags } from '../core/session/taggedSession';

/** Sentences (or texts) predicted at a time. */
const CHUNK = 64;

/** The JSON lines `studio predict` writes for `bytes` (see the module comment). */
export async function predictTaggedLines(
  session: StudioSession,
  fileName: string,
  bytes: Uint8Array,
): Promise<string[]> {
  // JSON Lines with integer ner_tags: the model's id2label names them.
  const tagged = await readTaggedFile(fileName, bytes, {
    task: 'auto',
    labelNames: session.labels,
  });
  const lines: string[] = [];
  if (tagged) {
    const sentences = sentencesOf(tagged.corpus);
    for (let i = 0; i < sentences.length; i += CHUNK) {
      const part = sentences.slice(i, i + CHUNK);
      const tags = await sentenceTags(session, part);
      const entities = await textEntities(
        session,
        part.map((words) => words.join(' ')),
      );
      part.forEach((tokens, j) =>
        lines.push(JSON.stringify({ tokens, tags: tags[j], entities: entities[j] })),
      );
    }
    return lines;
  }
  const texts = decodeBytes(bytes)
    .text.split(/\r?\n/)
    .filter((t) => t.trim() !== '');
  for (let i = 0; i < texts.length; i += CHUNK) {
    const part = texts.slice(i, i + CHUNK);
    const entities = await textEntities(session, part);
    part.forEach((text, j) => lines.push(JSON.stringify({ text, entities: entities[j] })));
  }
  return lines;
}
