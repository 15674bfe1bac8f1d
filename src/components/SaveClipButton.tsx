import { encodeWav } from '../audio/wav';
import { downloadBlob, safeStem } from '../page/save-file';

interface Props {
  readonly pcm: Float32Array;
  readonly sampleRate: number;
  /** Base of the download's file name. */
  readonly name: string;
  readonly testId?: string;
  readonly label?: string;
}

function fileName(base: string): string {
  const stem = safeStem(base, 'clip');
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  return `${stem}-${stamp}.wav`;
}

/** Downloads a clip as a 16-bit WAV file, built in the page (nothing is uploaded). */
export function SaveClipButton({ pcm, sampleRate, name, testId = 'save', label = 'Save clip as WAV' }: Props) {
  const save = (): void => {
    // encodeWav allocates a fresh (non-shared) buffer.
    const bytes = encodeWav(pcm, sampleRate) as Uint8Array<ArrayBuffer>;
    downloadBlob(new Blob([bytes], { type: 'audio/wav' }), fileName(name));
  };
  return (
    <button type="button" className="button subtle" onClick={save} data-testid={testId}>
      {label}
    </button>
  );
}
