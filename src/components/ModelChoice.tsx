import { downloadSizeText } from '../page/download-size';
import { FULL_PAIR, PAIRS, pairShortName } from '../page/url-options';
import type { Manifest } from '../runtime/manifest';
import type { BackendInfo } from '../runtime/runtime-types';

interface Props {
  readonly manifest: Manifest;
  readonly pair: string;
  /** The pair that needs no download (the way back), or null when the manifest has none. */
  readonly embeddedPair: string | null;
  /** The backend of the models in use: the other pair would run on it too, which decides its download. */
  readonly backend: BackendInfo | null;
  readonly disabled: boolean;
  readonly onChoose: (pair: string) => void;
}

/**
 * Which models are in use, with the other choice one click away: on the embedded model, wav2vec2 + RoBERTa with their
 * download size said before anything downloads; on any other pair, the way back to the embedded model.
 */
export function ModelChoice({ manifest, pair, embeddedPair, backend, disabled, onChoose }: Props) {
  if (embeddedPair === null) return null;
  if (pair !== embeddedPair) {
    return (
      <section className="model-choice" data-testid="model-choice" data-pair={pair}>
        <span>
          In use: <strong>{PAIRS.find((p) => p.id === pair)?.label ?? pair}</strong>.
        </span>
        <button
          type="button"
          className="button subtle"
          data-testid="use-embedded"
          disabled={disabled}
          onClick={() => {
            onChoose(embeddedPair);
          }}
        >
          Use the embedded model instead (no download)
        </button>
      </section>
    );
  }
  if (!(FULL_PAIR in manifest.pairs)) return null;
  const size = downloadSizeText(manifest, FULL_PAIR, backend?.backend ?? 'wasm');
  return (
    <section className="model-choice" data-testid="model-choice" data-pair={pair}>
      <span>
        In use: <strong>the embedded acoustic model</strong>, built into the page (no download, works offline, no
        transcript).
      </span>
      <button
        type="button"
        className="button"
        data-testid="use-full-pair"
        disabled={disabled}
        onClick={() => {
          onChoose(FULL_PAIR);
        }}
      >
        Download {pairShortName(FULL_PAIR)}
      </button>
      <span className="muted small" data-testid="full-pair-size">
        {size === null ? 'A large download' : `Download: ${size}, approximate`}, from the Hugging Face hub, once; then
        kept in this browser for later visits. Adds a transcript.
      </span>
    </section>
  );
}
