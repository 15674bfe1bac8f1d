/**
 * The embedded head's model card, written from the cross-validation report of `npm run mmer -- cv` so that every
 * figure in it names the run it came from. `facts` go into the head's config.json (`training.card`), where the
 * page's head details read them; `markdown` is MODEL_CARD.md.
 */

/** What `mmer cv --out` writes (cli/mmer-cv.ts); only the fields the card reads. */
export interface CvReport {
  readonly command: string;
  readonly engine: string;
  readonly clips: number;
  readonly labels: readonly string[];
  readonly folds: readonly string[];
  readonly chosenEpochs: number;
  readonly foldSeconds: readonly number[];
  readonly encodeSeconds: number;
  readonly plain: CvFigures;
  readonly adapted: CvFigures | null;
  /** The training settings of the run (`mmer train` takes the same). */
  readonly recipe?: {
    readonly lr: number;
    readonly batch: number;
    readonly utteranceDropout: number;
    readonly specAugment: boolean;
    readonly lrDecay: 'cosine' | 'none';
    readonly augmentedExamples?: boolean;
    readonly averageDecay?: number | null;
  };
  /** Adapted UA when each held-out speaker's profile comes from only k of their clips (`--profile-clips`), by k. */
  readonly fewClips?: Readonly<Record<string, { readonly mean: number; readonly sd: number }>>;
}

interface CvFigures {
  readonly perFold: readonly number[];
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly waMean: number;
  readonly pooled: {
    readonly confusion: readonly (readonly number[])[];
    readonly recall: readonly (number | null)[];
    readonly ua: number;
    readonly wa: number;
  };
}

/** The card's key facts, as the page shows them. */
export interface CardFacts {
  readonly data: string;
  readonly license: string;
  readonly labels: string;
  readonly validation: string;
  readonly limitations: string;
  readonly intendedUse: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function figures(name: string, f: CvFigures): string {
  return `${name}: UA ${pct(f.mean)} ± ${(100 * f.sd).toFixed(1)} (folds ${f.perFold.map((x) => (100 * x).toFixed(1)).join(', ')}), WA ${pct(f.waMean)}`;
}

function confusionTable(labels: readonly string[], f: CvFigures): string {
  const head = `| true \\ predicted | ${labels.map((l) => l.slice(0, 3)).join(' | ')} | recall |`;
  const rule = `|---|${labels.map(() => '---').join('|')}|---|`;
  const rows = labels.map((l, i) => {
    const row = f.pooled.confusion[i] ?? [];
    const r = f.pooled.recall[i];
    return `| ${l} (${String(row.reduce((a, b) => a + b, 0))}) | ${row.join(' | ')} | ${r === null || r === undefined ? 'n/a' : pct(r)} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** The run's settings, when the report records them. */
function recipeLine(r: CvReport): string {
  const x = r.recipe;
  if (x === undefined) return '';
  return `\n- Settings: AdamW lr ${String(x.lr)}${x.lrDecay === 'cosine' ? ' with cosine decay' : ''}, batch ${String(x.batch)}, statistics dropout ${String(x.utteranceDropout)}${x.specAugment ? ', SpecAugment-style masking of the frames' : ''}${x.averageDecay == null ? '' : `, kept as a moving average of the weights (decay ${String(x.averageDecay)} per step)`}; loss CE + 0.1 CTC + 0.1 SupCon + 0.1 ACL.`;
}

/** One line per profile size of `--profile-clips`: what adaptation gives after k recordings of a voice. */
function fewClipLines(r: CvReport): string {
  const rows = Object.entries(r.fewClips ?? {}).sort(([a], [b]) => Number(a) - Number(b));
  if (rows.length === 0) return '';
  const parts = rows.map(([k, f]) => `${k} clips ${pct(f.mean)} ± ${(100 * f.sd).toFixed(1)}`);
  return `- Adapted from only a few clips of each held-out speaker (as the page has after that many recordings): ${parts.join(', ')}\n`;
}

/** Facts and markdown of the card for head `id`. */
export function renderModelCard(id: string, r: CvReport): { facts: CardFacts; markdown: string } {
  const facts: CardFacts = {
    data: `RAVDESS speech, actors 1-16 (${String(r.clips)} clips of acted North American English, two fixed sentences)`,
    license: 'CC BY-NC-SA 4.0 (from RAVDESS): non-commercial use only, share alike',
    labels: r.labels.join(', '),
    validation:
      `Leave-speakers-out cross-validation, ${String(r.folds.length)} folds of 4 actors, ${String(r.chosenEpochs)} epochs: ` +
      `UA ${pct(r.plain.mean)} ± ${(100 * r.plain.sd).toFixed(1)} without adaptation` +
      (r.adapted === null
        ? ''
        : `, ${pct(r.adapted.mean)} ± ${(100 * r.adapted.sd).toFixed(1)} adapted to the speaker`) +
      ' (chance 12.5 %). No held-out test actors were available.',
    limitations:
      'Acted, read speech by 16 actors; 8 labels; real conversations will score lower. Not for decisions about people.',
    intendedUse: 'Showing an estimate of the emotion in your own recordings, on your device. Non-commercial.',
  };
  const markdown = `# Model card: ${id}

The embedded emotion head of the lite pair: an MMER head (config.json + model.safetensors) over weight-free audio
features (636 utterance statistics of pitch, voice quality, energy, timing, MFCC, spectral shape and balance, and
log-mel statistics, in front of mean-removed log-mel frames). It runs in the browser with no download beyond this
folder and needs no speech recogniser.

## Training data and license
- ${facts.data}. Livingstone & Russo (2018), The Ryerson Audio-Visual Database of Emotional Speech and Song, PLoS ONE 13(5): e0196391.
- RAVDESS is licensed CC BY-NC-SA 4.0, so this head is too: **non-commercial use only**, attribution, share alike.
- Trained on all ${String(r.clips)} clips for ${String(r.chosenEpochs)} epochs (seed 0) by \`npm run ship-head\`; the epoch count
  was chosen by the cross-validation below, never on a test split.${recipeLine(r)}

## Labels
${facts.labels} (8 classes, chance 12.5 %).

## Validation
\`${r.command}\` (tfjs ${r.engine}; encoding ${r.encodeSeconds.toFixed(0)} s, training ${r.foldSeconds.map((s) => s.toFixed(0)).join(' / ')} s per fold).
Each fold of 4 actors is held out once; the head trains on the other 12 actors. The epoch count and the recipe
(among the variants in docs/decisions.md) were chosen on these same folds, so the figures are optimistic by up to
about 1 UA; no actor outside 1-16 was available to test on.

- ${figures('Without speaker adaptation', r.plain)}
${r.adapted === null ? '' : `- ${figures("With speaker adaptation (each held-out speaker normalised by all of that speaker's clips, labels unused)", r.adapted)}\n`}${fewClipLines(r)}
Confusion over the four held-out folds, without adaptation:

${confusionTable(r.labels, r.plain)}

## Limitations
- ${facts.limitations}
- Every RAVDESS speaker has the same balanced emotion mix, which favours speaker adaptation; a speaker who is mostly
  neutral shifts their own mean, so the adapted figure will be lower in real use.
- Errors fall mostly within arousal groups (sad vs calm/neutral, disgust vs angry, surprised vs fearful vs happy).

## Intended use
${facts.intendedUse}
`;
  return { facts, markdown };
}
