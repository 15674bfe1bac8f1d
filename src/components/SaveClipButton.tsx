import { encodeWav } from '../audio/wav';

interface Props {
  readonly pcm: Float32Array;
  readonly sampleRate: number;
  /** Base of the download's file name. */
  readonly name: string;
  readonly testId?: string;
  readonly label?: string;
}

function fileName(base: string): string {
  const stem = base.replace(/\.[a-z0-9]{1,5}$/i, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'clip';
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  return `${stem}-${stamp}.wav`;
}

/** Downloads a clip as a 16-bit WAV file, built in the page (nothing is uploaded). */
export function SaveClipButton({ pcm, sampleRate, name, testId = 'save', label = 'Save clip as WAV' }: Props) {
  const save = (): void => {
    // encodeWav allocates a fresh (non-shared) buffer.
    const bytes = encodeWav(pcm, sampleRate) as Uint8Array<ArrayBuffer>;
    const blob = new Blob([bytes], { type: 'audio/wav' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName(name);
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked later: some browsers start reading the URL only after click() returns.
    setTimeout(() => {
      URL.revokeObjectURL(url);
    }, 60_000);
  };
  return (
    <button type="button" className="button subtle" onClick={save} data-testid={testId}>
      {label}
    </button>
  );
}
