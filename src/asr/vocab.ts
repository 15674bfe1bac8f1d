/**
 * The 32-symbol character vocabulary of wav2vec2-base-960h's CTC head (blank `<pad>` = 0, word delimiter `|`).
 * The fixtures reproduce it, and lite-encoder heads train their CTC head over it, so one definition serves all.
 */
export const WAV2VEC2_VOCAB: Readonly<Record<string, number>> = {
  '<pad>': 0, '<s>': 1, '</s>': 2, '<unk>': 3, '|': 4, E: 5, T: 6, A: 7, O: 8, N: 9, I: 10, H: 11, S: 12, R: 13, D: 14, L: 15,
  U: 16, M: 17, W: 18, C: 19, F: 20, G: 21, Y: 22, P: 23, B: 24, V: 25, K: 26, "'": 27, X: 28, J: 29, Q: 30, Z: 31,
};
