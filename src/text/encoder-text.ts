/**
 * The one form of text every text encoder reads. Training reads cased, punctuated gold transcripts ("Kids are talking
 * by the door.") while recognition gives upper case without punctuation ("KIDS ARE TALKING BY THE DOOR"); RoBERTa's
 * tokenizer splits those into different tokens (12 against 8), so a head would meet other inputs in use than in
 * training. Both become "kids are talking by the door" here, and every encoder's `encode` starts with it.
 */

/** Runs of letters, marks, digits and apostrophes. */
const WORD = /[\p{L}\p{M}\p{N}']+/gu;

/**
 * The words of `text`, lower-cased, joined by single spaces: typographic apostrophes fold to `'`, apostrophes at a
 * word's ends go (quotes), everything else that is not a letter, mark or digit separates words.
 */
export function encoderText(text: string): string {
  const words =
    text
      .normalize('NFC')
      .replace(/[\u2018\u2019\u02bc]/g, "'")
      .toLowerCase()
      .match(WORD) ?? [];
  return words
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '')
    .join(' ');
}
