import { useId, type ReactNode } from 'react';

interface Props {
  n: number;
  title: string;
  children: ReactNode;
  /** Right-aligned extras in the heading row. */
  aside?: ReactNode;
}

/** A numbered step of the page ("1 Data", "2 Model & tokenizer", ...). */
export function Section({ n, title, children, aside }: Props) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
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
