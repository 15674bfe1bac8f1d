import type { HeadInfo } from '../worker-api/protocol';

interface Props {
  readonly head: HeadInfo;
  readonly disabled: boolean;
  readonly onRemove: () => void;
}

const ENGINE_NAMES: Readonly<Record<HeadInfo['engine']['backend'], string>> = { webgpu: 'WebGPU', wasm: 'WASM', cpu: 'CPU (JavaScript)' };

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

/**
 * What the active emotion head is: name and origin, labels, validation metrics (UA/WA) when it has them, and the
 * TensorFlow.js backend it runs on. A head without metrics is said to be unvalidated rather than left unexplained.
 */
export function HeadDetails({ head, disabled, onRemove }: Props) {
  const { metrics } = head;
  const ua = metrics?.ua;
  const wa = metrics?.wa;
  return (
    <div className="head-details" data-testid="head-details" data-head={head.name}>
      <div className="head-title">
        <strong data-testid="head-name">{head.name}</strong>
        <button type="button" className="button subtle" disabled={disabled} onClick={onRemove} data-testid="head-remove">
          Remove head
        </button>
      </div>
      {head.description !== null ? (
        <p className="head-description small" data-testid="head-description">
          {head.description}
        </p>
      ) : null}
      <dl className="facts small">
        <div>
          <dt>Source</dt>
          <dd data-testid="head-source">{head.builtinId !== null ? `built in (${head.source})` : head.source}</dd>
        </div>
        <div>
          <dt>Trained on</dt>
          <dd>
            pair {head.pair}: {head.encoders.audio} + {head.encoders.text}
          </dd>
        </div>
        <div>
          <dt>Labels</dt>
          <dd data-testid="head-labels">{head.labels.join(', ')}</dd>
        </div>
        <div>
          <dt>Validation</dt>
          <dd data-testid="head-metrics">
            {ua === undefined && wa === undefined
              ? 'no validation metrics stored: the scores are unverified'
              : [ua === undefined ? null : `UA ${pct(ua)}`, wa === undefined ? null : `WA ${pct(wa)}`].filter((x) => x !== null).join(' · ')}
          </dd>
        </div>
        <div>
          <dt>Runs on</dt>
          <dd data-testid="head-engine" data-backend={head.engine.backend}>
            {ENGINE_NAMES[head.engine.backend]} (TensorFlow.js)
          </dd>
        </div>
      </dl>
    </div>
  );
}
