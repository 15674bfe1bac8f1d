import type { TrainSettings } from '../../worker-api/training-protocol';
import type { StartOption } from './start-options';

interface Props {
  readonly settings: TrainSettings;
  readonly onChange: (settings: TrainSettings) => void;
  readonly disabled: boolean;
  /** The lite pair has no wav2vec2 layers to train. */
  readonly hasEncoderLayers: boolean;
  /** What the run can start from (start-options.ts); the first is "nothing". */
  readonly startOptions: readonly StartOption[];
}

type NumberKey = { [K in keyof TrainSettings]-?: TrainSettings[K] extends number ? K : never }[keyof TrainSettings];

const FIELDS: readonly {
  readonly key: NumberKey;
  readonly label: string;
  readonly step: string;
  readonly hint?: string;
}[] = [
  { key: 'epochs', label: 'Epochs', step: '1' },
  { key: 'batchSize', label: 'Batch size', step: '1' },
  { key: 'learningRate', label: 'Learning rate', step: 'any' },
  { key: 'weightDecay', label: 'Weight decay', step: 'any' },
  { key: 'warmupSteps', label: 'Warm-up steps', step: '1' },
  { key: 'ctcWeight', label: 'CTC weight (a)', step: 'any' },
  { key: 'supconWeight', label: 'SupCon weight (b)', step: 'any' },
  { key: 'aclWeight', label: 'ACL weight (g)', step: 'any' },
  { key: 'temperature', label: 'Temperature', step: 'any' },
  {
    key: 'encoderLayers',
    label: 'Trainable audio layers (k)',
    step: '1',
    hint: 'wav2vec2 layers fine-tuned with the head',
  },
  {
    key: 'patience',
    label: 'Early-stopping patience',
    step: '1',
    hint: 'epochs without a better validation UA; 0 = never stop',
  },
  { key: 'seed', label: 'Seed', step: '1' },
  { key: 'minClipsPerLabel', label: 'Minimum clips per label', step: '1' },
];

/**
 * The run's settings, defaults from the MMER paper (loss weights 0.1, temperature 0.07). Checked again by the worker.
 */
export function TrainSettingsForm({ settings, onChange, disabled, hasEncoderLayers, startOptions }: Props) {
  const startFrom = settings.startFrom ?? '';
  const unusable = startOptions.find((o) => (o.value ?? '') === startFrom)?.unusable ?? null;
  return (
    <fieldset className="settings-grid" disabled={disabled} data-testid="train-settings">
      <legend className="sr-only">Training settings</legend>
      <label className="field wide">
        <span>Head name</span>
        <input
          value={settings.headName}
          data-testid="train-head-name"
          onChange={(e) => {
            onChange({ ...settings, headName: e.currentTarget.value });
          }}
        />
      </label>
      <label
        className="field wide"
        title="A trained head keeps what it learnt; its classifier carries over for the labels it shares with this run"
      >
        <span>Start from</span>
        <select
          value={startFrom}
          data-testid="train-start-from"
          onChange={(e) => {
            const v = e.currentTarget.value;
            onChange({ ...settings, startFrom: v === '' ? null : v });
          }}
        >
          {startOptions.map((o) => (
            <option key={o.value ?? ''} value={o.value ?? ''}>
              {o.label}
            </option>
          ))}
        </select>
        {unusable !== null ? (
          <span className="problem small" data-testid="start-from-problem">
            {unusable}
          </span>
        ) : null}
      </label>
      {FIELDS.filter((f) => f.key !== 'encoderLayers' || hasEncoderLayers).map((f) => (
        <label key={f.key} className="field" title={f.hint}>
          <span>{f.label}</span>
          <input
            type="number"
            step={f.step}
            min="0"
            value={settings[f.key]}
            data-testid={`setting-${f.key}`}
            onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              // An emptied field stays as it was rather than becoming NaN; the worker refuses anything out of range.
              if (Number.isFinite(v)) onChange({ ...settings, [f.key]: v });
            }}
          />
        </label>
      ))}
    </fieldset>
  );
}
