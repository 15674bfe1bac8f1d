/** The shipped head's model card is written from the cross-validation report: every figure in it comes from there. */
import { describe, expect, it } from 'vitest';
import { renderModelCard, type CvReport } from '../../tools/model-card';

const labels = ['angry', 'sad'];
const figures = (mean: number) => ({
  perFold: [mean - 0.05, mean + 0.05],
  mean,
  sd: 0.0707,
  min: mean - 0.05,
  max: mean + 0.05,
  waMean: mean + 0.01,
  pooled: {
    confusion: [
      [9, 1],
      [3, 7],
    ],
    recall: [0.9, 0.7],
    ua: 0.8,
    wa: 0.8,
  },
});
const report: CvReport = {
  command: 'npm run mmer -- cv --data X --folds 2',
  engine: 'wasm',
  clips: 20,
  labels,
  folds: ['01,02', '03,04'],
  chosenEpochs: 7,
  foldSeconds: [10, 12],
  encodeSeconds: 5,
  plain: figures(0.6),
  adapted: figures(0.7),
  fewClips: { '16': { mean: 0.69, sd: 0.02 }, '4': { mean: 0.61, sd: 0.03 } },
};

describe('model card', () => {
  it('states the figures, the epochs, the license and the few-clip adaptation of the report', () => {
    const { facts, markdown } = renderModelCard('test-head', report);
    expect(facts.validation).toContain(
      '7 epochs: UA 60.0 % ± 7.1 without adaptation, 70.0 % ± 7.1 adapted to the speaker',
    );
    expect(facts.license).toContain('non-commercial');
    expect(facts.labels).toBe('angry, sad');
    expect(markdown).toContain('# Model card: test-head');
    expect(markdown).toContain('`npm run mmer -- cv --data X --folds 2`');
    // Sorted by clip count, as numbers.
    expect(markdown).toContain('4 clips 61.0 % ± 3.0, 16 clips 69.0 % ± 2.0');
    expect(markdown).toContain('| angry (10) | 9 | 1 | 90.0 % |');
  });

  it('leaves the few-clip line out when the report has none', () => {
    const { markdown } = renderModelCard('test-head', { ...report, fewClips: {} });
    expect(markdown).not.toContain('Adapted from only a few clips');
  });
});
