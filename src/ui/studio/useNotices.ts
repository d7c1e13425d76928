/** What the studio tells the user: the status line, the error banner, download progress. */
import { useCallback, useState } from 'react';
import type { DownloadProgress } from '../../worker/client';
import { errorMessage } from '../format';

/** The status line, the error banner and the progress of a tokenizer or checkpoint download. */
export function useNotices() {
  const [status, setStatus] = useState('Starting the training worker…');
  const [error, setError] = useState<string | null>(null);
  const [download, setDownload] = useState<DownloadProgress | null>(null);

  const reportError = useCallback((err: unknown) => setError(errorMessage(err)), []);
  const dismissError = useCallback(() => setError(null), []);

  return {
    status,
    setStatus,
    error,
    setError,
    download,
    setDownload,
    reportError,
    dismissError,
  };
}

/** The setters other studio hooks report through. */
export type Notices = Pick<ReturnType<typeof useNotices>, 'setStatus' | 'setError' | 'setDownload'>;
