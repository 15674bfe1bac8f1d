import { useId } from 'react';
import { PAIRS } from '../page/url-options';

interface Props {
  readonly pair: string;
  readonly disabled: boolean;
  readonly onChange: (pair: string) => void;
}

/** Chooses the model pair; changing it reloads the models. */
export function PairSelector({ pair, disabled, onChange }: Props) {
  const id = useId();
  const known = PAIRS.some((p) => p.id === pair);
  const current = PAIRS.find((p) => p.id === pair);
  return (
    <div className="pair-selector">
      <label htmlFor={id}>Models</label>
      <select
        id={id}
        value={pair}
        disabled={disabled}
        data-testid="pair-select"
        title={current?.description}
        onChange={(e) => {
          onChange(e.currentTarget.value);
        }}
      >
        {PAIRS.map((p) => (
          <option key={p.id} value={p.id} title={p.description}>
            {p.label}
          </option>
        ))}
        {known ? null : <option value={pair}>{pair}</option>}
      </select>
    </div>
  );
}
