import { useId, type ReactNode } from 'react';

interface Props {
  n: number;
  title: string;
  children: ReactNode;
  /** Right-aligned extras in the heading row. */
  aside?: ReactNode;
  /** The element id the run bar's step links go to. */
  anchor?: string;
}

/** A numbered step of the page ("1 Data", "2 Model & tokenizer", ...). */
export function Section({ n, title, children, aside, anchor }: Props) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id} id={anchor} tabIndex={anchor ? -1 : undefined}>
      <div className="panel-head">
        <h2 id={id}>
          <span className="step-number" aria-hidden="true">
            {n}
          </span>
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
}
