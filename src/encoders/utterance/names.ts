/**
 * Feature names and group ranges of the 636-dim utterance vector. groups.ts writes values in exactly this order;
 * keeping the layout here, in one place, is what lets a test check that both agree on every index.
 */
import { STAT_NAMES } from './stats';

/** The feature groups: b's eight (396 dims) in the spec's order, then a (240 dims). */
export type UtteranceGroup =
  'f0' | 'voiceQuality' | 'energy' | 'rate' | 'mfcc' | 'dmfcc' | 'spectralShape' | 'spectralBalance' | 'logmelStats';

/** Cepstral coefficients kept: c1..c13 (c0, the overall level, is dropped). */
export const N_MFCC = 13;

const seven = (track: string): string[] => STAT_NAMES.map((s) => `${track}_${s}`);
const coefs = (prefix: string, suffix: string): string[] =>
  Array.from({ length: N_MFCC }, (_, i) => `${prefix}${i + 1}${suffix}`);
const bands = (suffix: string): string[] => Array.from({ length: 80 }, (_, m) => `logmel${m}_${suffix}`);

/** Track names of the 7-stat blocks of the spectral shape group, in order. */
export const SHAPE_TRACKS = ['centroid_hz', 'bandwidth_hz', 'rolloff85_hz', 'flatness_db', 'flux', 'zcr'] as const;
/**
 * Track names of the 7-stat blocks of the spectral balance group, in order (same order as SPECTRUM_DESCRIPTORS 4..12).
 */
export const BALANCE_TRACKS = [
  'alpha_ratio_db',
  'hammarberg_db',
  'slope0_500_db_per_khz',
  'slope500_1500_db_per_khz',
  'level0_500_db',
  'level500_1000_db',
  'level1000_2000_db',
  'level2000_4000_db',
  'level4000_8000_db',
] as const;

const GROUP_NAMES: Readonly<Record<UtteranceGroup, readonly string[]>> = {
  f0: [...seven('f0_st'), 'f0_rise_mean_st', 'f0_fall_mean_st'],
  voiceQuality: [
    ...seven('hnr_db'),
    ...seven('voicing_prob'),
    'jitter_mean',
    'jitter_sd',
    'shimmer_mean_db',
    'shimmer_sd_db',
  ],
  energy: [...seven('energy_db'), ...seven('loudness'), ...seven('delta_energy_db')],
  rate: [
    'speech_duration_s',
    'speech_fraction',
    'voiced_fraction',
    'voiced_segments_per_s',
    'voiced_segment_mean_s',
    'voiced_segment_sd_s',
    'voiced_gap_mean_s',
    'voiced_gap_sd_s',
    'energy_peaks_per_s',
  ],
  mfcc: [
    ...Array.from({ length: N_MFCC }, (_, i) => seven(`mfcc${i + 1}`)).flat(),
    ...coefs('mfcc', '_voiced_mean'),
    ...coefs('mfcc', '_voiced_sd'),
    ...coefs('mfcc', '_unvoiced_mean'),
    ...coefs('mfcc', '_unvoiced_sd'),
  ],
  dmfcc: Array.from({ length: N_MFCC }, (_, i) => seven(`dmfcc${i + 1}`)).flat(),
  spectralShape: SHAPE_TRACKS.flatMap(seven),
  spectralBalance: BALANCE_TRACKS.flatMap(seven),
  logmelStats: [...bands('mean'), ...bands('sd'), ...bands('max')],
};

/** Group order in the vector. */
export const GROUP_ORDER: readonly UtteranceGroup[] = [
  'f0',
  'voiceQuality',
  'energy',
  'rate',
  'mfcc',
  'dmfcc',
  'spectralShape',
  'spectralBalance',
  'logmelStats',
];

/** 636 names, in output order (b groups in GROUP_ORDER, then a). */
export const UTTERANCE_FEATURE_NAMES: readonly string[] = Object.freeze(GROUP_ORDER.flatMap((g) => GROUP_NAMES[g]));

/** Total length of the vector. */
export const UTTERANCE_DIM = 636;

/** Group -> [start, end) index range in the vector. */
export const UTTERANCE_GROUPS: Readonly<Record<UtteranceGroup, readonly [number, number]>> = (() => {
  const out = {} as Record<UtteranceGroup, readonly [number, number]>;
  let at = 0;
  for (const g of GROUP_ORDER) {
    out[g] = Object.freeze([at, at + GROUP_NAMES[g].length] as const);
    at += GROUP_NAMES[g].length;
  }
  return Object.freeze(out);
})();
