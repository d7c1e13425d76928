/**
 * The parameter set of HF's `BertForSequenceClassification` (names, PyTorch shapes and how
 * `_init_weights` initialises each: `model/init.ts`).
 */
import type { ParamSpec } from '../family';
import type { BertConfig } from './config';

/** Names of the classification head (newly initialised when a checkpoint lacks them). */
export const HEAD_PARAMS = ['classifier.weight', 'classifier.bias'] as const;

/**
 * Every parameter of `BertForSequenceClassification(config)` in HF's `named_parameters()` order.
 */
export function bertParamSpecs(config: BertConfig): ParamSpec[] {
  const H = config.hidden_size;
  const I = config.intermediate_size;
  const specs: ParamSpec[] = [];
  const lin = (prefix: string, out: number, inn: number): void => {
    specs.push({ name: `${prefix}.weight`, shape: [out, inn], kind: 'normal' });
    specs.push({ name: `${prefix}.bias`, shape: [out], kind: 'zeros' });
  };
  const ln = (prefix: string): void => {
    specs.push({ name: `${prefix}.weight`, shape: [H], kind: 'ones' });
    specs.push({ name: `${prefix}.bias`, shape: [H], kind: 'zeros' });
  };
  specs.push({
    name: 'bert.embeddings.word_embeddings.weight',
    shape: [config.vocab_size, H],
    kind: 'word_embeddings',
  });
  specs.push({
    name: 'bert.embeddings.position_embeddings.weight',
    shape: [config.max_position_embeddings, H],
    kind: 'normal',
  });
  specs.push({
    name: 'bert.embeddings.token_type_embeddings.weight',
    shape: [config.type_vocab_size, H],
    kind: 'normal',
  });
  ln('bert.embeddings.LayerNorm');
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `bert.encoder.layer.${i}`;
    lin(`${p}.attention.self.query`, H, H);
    lin(`${p}.attention.self.key`, H, H);
    lin(`${p}.attention.self.value`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, I, H);
    lin(`${p}.output.dense`, H, I);
    ln(`${p}.output.LayerNorm`);
  }
  lin('bert.pooler.dense', H, H);
  lin('classifier', config.num_labels, H);
  return specs;
}

/** Name -> PyTorch shape of every parameter (handy as `readSafetensors`'s `expected`). */
export function bertParamShapes(config: BertConfig): Map<string, number[]> {
  return new Map(bertParamSpecs(config).map((s) => [s.name, s.shape]));
}
