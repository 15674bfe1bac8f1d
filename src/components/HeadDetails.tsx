import type { ReactNode } from 'react';
import type { HeadInfo } from '../worker-api/protocol';

interface Props {
  readonly head: HeadInfo;
  /** `pair`: the loaded pair's own head; `embedded`: the embedded head scoring for a pair without one. */
  readonly role: 'pair' | 'embedded';
  readonly disabled: boolean;
  /** Removes the head; null where it cannot be removed here (the embedded head). */
  readonly onRemove: (() => void) | null;
}

const ENGINE_NAMES: Readonly<Record<HeadInfo['engine']['backend'], string>> = {
  webgpu: 'WebGPU',
  wasm: 'WASM',
  cpu: 'CPU (JavaScript)',
};

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

/** True when a license forbids commercial use (Creative Commons NC licences, or one that says so in words). */
export function isNonCommercial(license: string | null): boolean {
  return license !== null && /\bNC\b|non-?commercial/i.test(license);
}

/** "240 validation clips, speakers 13, 14, 15, 16", from what the run recorded (null when it recorded neither). */
function validationSet(head: HeadInfo): string | null {
  const { validationClips, validationSpeakers } = head.trainingFacts;
  const parts = [
    validationClips === null || validationClips === 0 ? null : `${validationClips} validation clips`,
    validationSpeakers.length === 0 ? null : `speakers ${validationSpeakers.join(', ')}`,
  ].filter((x) => x !== null);
  return parts.length === 0 ? null : parts.join(', ');
}

function Fact({
  term,
  testId,
  children,
}: {
  readonly term: string;
  readonly testId: string;
  readonly children: ReactNode;
}) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

/**
 * What an emotion head is: name and origin, the facts of its model card (training data, license, validation,
 * limitations) where it has them, labels, validation metrics (UA/WA) and the TensorFlow.js backend it runs on. A head
 * without metrics is said to be unvalidated rather than left unexplained.
 */
export function HeadDetails({ head, role, disabled, onRemove }: Props) {
  const { metrics, card } = head;
  const ua = metrics?.ua;
  const wa = metrics?.wa;
  const measured = ua !== undefined || wa !== undefined;
  const held = validationSet(head);
  return (
    <div className="head-details" data-testid="head-details" data-head={head.name} data-role={role}>
      <div className="head-title">
        <strong data-testid="head-name">{head.name}</strong>
        {role === 'embedded' ? <span className="badge">embedded head</span> : null}
        {onRemove === null ? null : (
          <button
            type="button"
            className="button subtle"
            disabled={disabled}
            onClick={onRemove}
            data-testid="head-remove"
          >
            Remove head
          </button>
        )}
      </div>
      {head.description !== null ? (
        <p className="head-description small" data-testid="head-description">
          {head.description}
        </p>
      ) : null}
      <dl className="facts small">
        <Fact term="Source" testId="head-source">
          {head.builtinId !== null ? `built in (${head.source})` : head.source}
        </Fact>
        <Fact term="Trained on" testId="head-encoders">
          pair {head.pair}: {head.encoders.audio} + {head.encoders.text}
        </Fact>
        {card?.data !== undefined ? (
          <Fact term="Training data" testId="head-data">
            {card.data}
          </Fact>
        ) : null}
        <Fact term="Labels" testId="head-labels">
          {head.labels.join(', ')}
        </Fact>
        <Fact term="Validation" testId="head-metrics">
          {measured
            ? [ua === undefined ? null : `UA ${pct(ua)}`, wa === undefined ? null : `WA ${pct(wa)}`]
                .filter((x) => x !== null)
                .join(' · ')
            : (card?.validation ?? 'no validation metrics stored: the scores are unverified')}
        </Fact>
        {measured && (held !== null || card?.validation !== undefined) ? (
          <Fact term="Validated on" testId="head-validation-set">
            {[held, card?.validation].filter((x) => x !== null && x !== undefined).join('. ')}
          </Fact>
        ) : null}
        {head.license !== null ? (
          <Fact term="License" testId="head-license">
            {head.license}
            {isNonCommercial(head.license) ? ': non-commercial use only' : ''}
          </Fact>
        ) : null}
        {card?.limitations !== undefined ? (
          <Fact term="Limitations" testId="head-limitations">
            {card.limitations}
          </Fact>
        ) : null}
        {head.cardUrl !== null ? (
          <Fact term="Model card" testId="head-card">
            <a href={head.cardUrl} target="_blank" rel="noreferrer" data-testid="head-card-link">
              MODEL_CARD.md
            </a>
          </Fact>
        ) : null}
        <div>
          <dt>Runs on</dt>
          <dd data-testid="head-engine" data-backend={head.engine.backend} data-threads={head.engine.threads}>
            {ENGINE_NAMES[head.engine.backend]} (TensorFlow.js
            {head.engine.threads > 1 ? `, ${String(head.engine.threads)} threads` : ''})
          </dd>
        </div>
      </dl>
    </div>
  );
}
