interface Props {
  message: string | null;
  onDismiss: () => void;
}

/** The last failed request's message; previously loaded data stays usable underneath. */
export function ErrorBanner({ message, onDismiss }: Props) {
  if (!message) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error">
      <p className="error-message">{message}</p>
      <button type="button" className="secondary" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
