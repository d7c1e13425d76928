import type { DownloadProgress } from '../worker/client';
import { formatBytes } from './format';

interface Props {
  download: DownloadProgress;
  /** The progressbar's accessible name (two can be on the page: model and tokenizer). */
  label: string;
}

/** One file's download: a progressbar and "file: 1.2 MB of 3.4 MB (from the browser cache)". */
export function DownloadBar({ download, label }: Props) {
  const pct = download.total ? Math.round((100 * download.loaded) / download.total) : null;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <div className="progress-fill" style={{ transform: `scaleX(${(pct ?? 0) / 100})` }} />
      </div>
      <p className="hint">
        {download.file}: {formatBytes(download.loaded)}
        {download.total ? ` of ${formatBytes(download.total)}` : ''}
        {download.fromCache ? ' (from the browser cache)' : ''}
      </p>
    </div>
  );
}
