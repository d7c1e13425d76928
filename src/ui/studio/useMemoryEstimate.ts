/** The memory estimate of the run Train would start, refreshed when its inputs change. */
import { useEffect, useState, type RefObject } from 'react';
import type {
  BackendInfo,
  DatasetSummary,
  MemoryEstimate,
  ModelSpec,
  PretrainedInfo,
  StudioClient,
} from '../../worker/client';
import type { ModelSizes, StudioSettings } from '../defaults';
import type { ModelSource } from './usePretrained';

/** What the memory estimate needs from the studio. */
export interface MemoryEstimateDeps {
  clientRef: RefObject<StudioClient | null>;
  /** The worker's backend (null while one boots: no estimate). */
  backend: BackendInfo | null;
  settings: StudioSettings;
  /** The latest settings; the estimate reads their model sizes. */
  settingsRef: RefObject<StudioSettings>;
  modelSource: ModelSource;
  pretrained: PretrainedInfo | null;
  specOf: (sizes: ModelSizes) => ModelSpec;
  dataset: DatasetSummary | null;
  /** TrainingArguments' `gradient_checkpointing` (an advanced override): fewer activations. */
  gradientCheckpointing: boolean;
}

/** The worker's estimate of the run's memory (null when none can be made). */
export function useMemoryEstimate({
  clientRef,
  backend,
  settings,
  settingsRef,
  modelSource,
  pretrained,
  specOf,
  dataset,
  gradientCheckpointing,
}: MemoryEstimateDeps): MemoryEstimate | null {
  const [memory, setMemory] = useState<MemoryEstimate | null>(null);

  const batchSize = settings.args.per_device_train_batch_size;
  const specKey = JSON.stringify([
    modelSource,
    pretrained?.name,
    settings.model,
    batchSize,
    gradientCheckpointing,
    dataset?.labels.length,
  ]);
  useEffect(() => {
    const client = clientRef.current;
    if (!client || !backend || (modelSource !== 'scratch' && !pretrained)) {
      setMemory(null);
      return;
    }
    let live = true;
    client
      .call('estimateMemory', {
        model: specOf(settingsRef.current.model),
        batchSize,
        gradientCheckpointing,
      })
      .then((m) => live && setMemory(m))
      .catch(() => live && setMemory(null));
    return () => {
      live = false;
    };
    // specKey covers the inputs of specOf and the batch size.
  }, [specKey, backend]); // eslint-disable-line react-hooks/exhaustive-deps

  return memory;
}
