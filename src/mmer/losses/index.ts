/** Training losses of MMER: CTC (auxiliary ASR), supervised contrastive and InfoNCE (augmentation contrastive). */
export { ctcLoss, ctcMinFrames, type CtcOptions } from './ctc-loss';
export {
  infoNceLoss,
  l2NormaliseRows,
  supConLoss,
  type InfoNceOptions,
  type SupConOptions,
  type SupConVariant,
} from './contrastive';
