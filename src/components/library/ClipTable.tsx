import { useState } from 'react';
import type { LabelSet, LibraryClip, SplitName } from '../../data/library/library-types';
import type { UseLibrary } from '../../hooks/useLibrary';
import type { UsePlayer } from '../../hooks/usePlayer';
import { Icon } from '../icons/Icon';

interface Props {
  readonly clips: readonly LibraryClip[];
  readonly set: LabelSet;
  readonly splits: ReadonlyMap<string, SplitName>;
  readonly library: UseLibrary;
  readonly player: UsePlayer;
}

/** Rows shown at first; a library of thousands of clips stays responsive. */
const PAGE = 100;
const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

/** A text cell that writes on Enter or when focus leaves it, and not on every key. */
function EditableText({
  value,
  label,
  onSave,
  testId,
}: {
  value: string;
  label: string;
  onSave: (v: string) => void;
  testId: string;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const commit = (): void => {
    if (draft !== null && draft !== value) onSave(draft);
    setDraft(null);
  };
  return (
    <input
      className="cell-input"
      aria-label={label}
      data-testid={testId}
      value={draft ?? value}
      onChange={(e) => {
        setDraft(e.currentTarget.value);
      }}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(null);
      }}
    />
  );
}

/** The library's clips: play, relabel, edit transcript and speaker, set the split, delete (undo offered above). */
export function ClipTable({ clips, set, splits, library, player }: Props) {
  const [shown, setShown] = useState(PAGE);
  const names = new Set(set.labels.map((l) => l.name));
  const colour = (label: string | null): string => set.labels.find((l) => l.name === label)?.colour ?? 'transparent';
  if (clips.length === 0)
    return (
      <p className="muted center" data-testid="no-clips">
        No clips match. Record some or import files above.
      </p>
    );
  return (
    <div className="table-wrap">
      <table className="clip-table" data-testid="clip-table">
        <thead>
          <tr>
            <th scope="col">Clip</th>
            <th scope="col">Label</th>
            <th scope="col">Transcript</th>
            <th scope="col">Speaker</th>
            <th scope="col">Split</th>
            <th scope="col" className="num">
              Length
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {clips.slice(0, shown).map((c) => {
            const flagged = c.label !== null && !names.has(c.label);
            const effective = splits.get(c.id) ?? 'train';
            return (
              <tr
                key={c.id}
                data-testid="clip-row"
                data-clip-id={c.id}
                data-label={c.label ?? ''}
                data-split={effective}
                className={flagged ? 'flagged' : undefined}
              >
                <td>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={player.playing === c.id ? `Stop ${c.name}` : `Play ${c.name}`}
                    data-testid="play-clip"
                    onClick={() => {
                      player.toggle(c.id);
                    }}
                  >
                    {player.playing === c.id ? '■' : '▶'}
                  </button>{' '}
                  <span className="clip-name" title={c.name}>
                    {c.name}
                  </span>
                </td>
                <td>
                  <span className="label-swatch" style={{ background: colour(c.label) }} aria-hidden="true" />
                  <select
                    aria-label={`Label of ${c.name}`}
                    data-testid="clip-label"
                    value={c.label ?? ''}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      void library.updateClips([c.id], { label: v === '' ? null : v });
                    }}
                  >
                    <option value="">(unlabelled)</option>
                    {set.labels.map((l) => (
                      <option key={l.name} value={l.name}>
                        {l.name}
                      </option>
                    ))}
                    {flagged ? <option value={c.label}>{c.label} (not in this set)</option> : null}
                  </select>
                  {flagged ? (
                    <span
                      className="flag"
                      title="This label is not in the active label set; the clip is left out of training."
                      data-testid="flag"
                    >
                      !
                    </span>
                  ) : null}
                </td>
                <td>
                  <EditableText
                    value={c.transcript ?? ''}
                    label={`Transcript of ${c.name}`}
                    testId="clip-transcript"
                    onSave={(v) => {
                      const t = v.trim();
                      void library.updateClips([c.id], {
                        transcript: t === '' ? null : t,
                        transcriptSource: t === '' ? null : 'user',
                      });
                    }}
                  />
                </td>
                <td>
                  <EditableText
                    value={c.speaker ?? ''}
                    label={`Speaker of ${c.name}`}
                    testId="clip-speaker"
                    onSave={(v) => {
                      void library.updateClips([c.id], { speaker: v.trim() === '' ? null : v.trim() });
                    }}
                  />
                </td>
                <td>
                  <select
                    aria-label={`Split of ${c.name}`}
                    data-testid="clip-split"
                    value={c.split ?? ''}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      void library.updateClips([c.id], { split: v === '' ? null : (v as SplitName) });
                    }}
                  >
                    <option value="">auto ({effective})</option>
                    {SPLITS.map((s) => (
                      <option key={s} value={s}>
                        {s}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="num">{c.durationS.toFixed(1)} s</td>
                <td>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Delete ${c.name}`}
                    data-testid="delete-clip"
                    onClick={() => {
                      void library.deleteClips([c.id]);
                    }}
                  >
                    <Icon name="delete" />
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {clips.length > shown ? (
        <button
          type="button"
          className="button subtle"
          onClick={() => {
            setShown((n) => n + PAGE);
          }}
        >
          Show {Math.min(PAGE, clips.length - shown)} more of {clips.length - shown}
        </button>
      ) : null}
    </div>
  );
}
