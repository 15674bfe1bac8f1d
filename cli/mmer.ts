/**
 * `npm run mmer -- train|cv|eval|predict`: the MMER head on dataset folders, with the same code as the page.
 *   train   --data DIR --encoders lite|base|fixture --out DIR [...]: trains and saves a head (mmer-train.ts)
 *   cv      --data DIR [--folds 4] [--epochs N]: leave-speakers-out cross-validation (mmer-cv.ts)
 *   eval    --head DIR --data DIR [--json] [--adapt-speakers] (mmer-eval.ts)
 *   predict --head DIR [--json] [--adapt-speakers] FILE.wav... (mmer-eval.ts)
 * --adapt-speakers normalises each speaker's utterance statistics by that speaker's clips (labels never read).
 */
import * as tf from '@tensorflow/tfjs-core';
import { USAGE, warn } from './mmer-args';
import { cvCmd } from './mmer-cv';
import { evalCmd, predictCmd } from './mmer-eval';
import { trainCmd } from './mmer-train';
import { runMain } from './run';

async function main(): Promise<number> {
  tf.enableProdMode();
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'train') return trainCmd(rest);
  if (command === 'eval') return evalCmd(rest);
  if (command === 'predict') return predictCmd(rest);
  if (command === 'cv') return cvCmd(rest, warn);
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

runMain(main);
