/** The model available for predictions and export: trained here or imported from a zip. */
import { useCallback, useState, type RefObject } from 'react';
import type { Prediction, RunRecord, StudioClient, TextEntity } from '../../worker/client';
import { downloadBlob } from '../exportData';
import { zipEntryNames, type ExportedZip } from '../WebPageDeploy';
import { errorMessage } from '../format';
import type { Notices } from './useNotices';

/** The model available for predictions and export. */
export interface ModelInfo {
  labels: string[];
  /** Trained here, imported from a zip, or a stored run's final model (Reopen in the history). */
  source: 'trained' | 'imported' | 'reopened';
  /** A token classifier (one tag per word): Try it highlights entities. */
  tagged?: boolean;
}

/** What the model hook needs from the studio. */
export interface ModelDeps {
  clientRef: RefObject<StudioClient | null>;
  notices: Notices;
  /** Shows an imported model's own history entry (its charts), as Reopen shows a stored run. */
  showRecord: (record: RunRecord) => void;
}

/** The model, its export and import (as an HF folder zip), and predictions with it. */
export function useModel({ clientRef, notices, showRecord }: ModelDeps) {
  const { setStatus, setError } = notices;
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [busy, setBusy] = useState<'export' | 'import' | null>(null);
  /** The last export, kept for "Use it in your web page" (cleared when the model changes). */
  const [exported, setExported] = useState<ExportedZip | null>(null);

  /** The model changed (trained, imported, reopened, or none): the last export no longer is it. */
  const changeModel = useCallback((next: ModelInfo | null) => {
    setModel(next);
    setExported(null);
  }, []);

  const exportModel = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    setBusy('export');
    try {
      const { fileName, zip } = await client.call('exportModel', {});
      const blob = new Blob([zip], { type: 'application/zip' });
      downloadBlob(blob, fileName);
      // The Blob, not the bytes: a bert-base export is over 1 GB, which the browser may keep on
      // disk; "Use it in your web page" reads it again only for its check.
      setExported({ fileName, blob, names: zipEntryNames(new Uint8Array(zip)) });
      setStatus(`Exported ${fileName}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }, [clientRef, setStatus, setError]);

  const importModel = useCallback(
    async (file: File) => {
      const client = clientRef.current;
      if (!client) return;
      setBusy('import');
      try {
        const zip = await file.arrayBuffer();
        const info = await client.call('importModel', { zip, fileName: file.name }, [zip]);
        // Its own entry in the run history, shown as a reopened run: the charts, metrics and
        // model on the page are all the imported one's, none of the last run's.
        if (info.record) showRecord(info.record);
        // A token classifier answers for entities (a text classifier refuses): Try it marks them.
        const tagged = await client.call('entities', { texts: ['a'] }).then(
          () => true,
          () => false,
        );
        changeModel({ labels: info.labels, source: 'imported', ...(tagged ? { tagged } : {}) });
        setStatus(
          `Loaded exported model ${file.name} (labels: ${info.labels.join(', ')})` +
            (info.record ? '; added to the run history' : ''),
        );
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setBusy(null);
      }
    },
    [clientRef, setStatus, setError, changeModel, showRecord],
  );

  /**
   * Records a trainer_state.json trained elsewhere as its own entry in the run history, beside
   * the page's runs (tick it and another to compare); the run shown stays as it is.
   */
  const importRun = useCallback(
    async (file: File) => {
      const client = clientRef.current;
      if (!client) return;
      try {
        const rec = await client.call('importRun', {
          fileName: file.name,
          text: await file.text(),
        });
        setStatus(
          `Added ${file.name} to the run history (${rec.logHistory.length} log entries): tick it and another run to compare them`,
        );
      } catch (err) {
        setError(errorMessage(err));
      }
    },
    [clientRef, setStatus, setError],
  );

  /** Classifies one text with the current model. */
  const predict = useCallback(
    async (text: string): Promise<Prediction | null> => {
      const client = clientRef.current;
      if (!client) return null;
      const [p] = await client.call('predict', { texts: [text] });
      return p ?? null;
    },
    [clientRef],
  );

  /** The entities in one text (a token classifier), grouped as the pipeline's "simple". */
  const entities = useCallback(
    async (text: string): Promise<TextEntity[] | null> => {
      const client = clientRef.current;
      if (!client) return null;
      const [e] = await client.call('entities', { texts: [text] });
      return e ?? null;
    },
    [clientRef],
  );

  return {
    model,
    entities,
    setModel: changeModel,
    busy,
    exported,
    exportModel,
    importModel,
    importRun,
    predict,
  };
}
