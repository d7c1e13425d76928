import { useRef } from 'react';

interface Props {
  /** The button's visible text (its accessible name). */
  label: string;
  /** Accessible name of the hidden file input (what tests and assistive tools address). */
  inputLabel: string;
  accept: string;
  multiple?: boolean;
  disabled?: boolean;
  className?: string;
  onFiles: (files: File[]) => void;
}

/**
 * A real button that opens a file picker: keyboard- and screen-reader-friendly, unlike a styled
 * label. The input stays out of the tab order and is cleared after each pick, so choosing the
 * same file twice still fires.
 */
export function FileButton({
  label,
  inputLabel,
  accept,
  multiple = false,
  disabled = false,
  className = 'secondary',
  onFiles,
}: Props) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className={className}
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        {label}
      </button>
      <input
        ref={input}
        className="visually-hidden"
        type="file"
        tabIndex={-1}
        accept={accept}
        multiple={multiple}
        aria-label={inputLabel}
        disabled={disabled}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </>
  );
}
