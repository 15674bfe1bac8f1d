import { useMemo, useState } from 'react';
import { effectiveSplits } from '../../data/library/library-splits';
import type { SplitName } from '../../data/library/library-types';
import type { UseLibrary } from '../../hooks/useLibrary';
import type { UseMl } from '../../hooks/useMl';
import { usePlayer } from '../../hooks/usePlayer';
import { useStorage } from '../../hooks/useStorage';
import { describeStorage } from '../../page/storage';
import { ErrorBanner } from '../ErrorBanner';
import { Notice } from '../Notice';
import { AddClips } from './AddClips';
import { ClipTable } from './ClipTable';
import { LabelSetEditor } from './LabelSetEditor';

interface Props {
  readonly ml: UseMl;
  readonly library: UseLibrary;
  readonly pair: string;
}

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];
/** Filter value for clips without a label / speaker. */
const NONE = '\u0000none';

/** The clip library: label sets, adding clips, counts per label and split, and the filtered clip list. */
export function LibraryScreen({ ml, library }: Props) {
  const [labelFilter, setLabelFilter] = useState('');
  const [speakerFilter, setSpeakerFilter] = useState('');
  const [splitFilter, setSplitFilter] = useState('');
  const player = usePlayer(library.store);
  const { clips, activeSet } = library;
  const { splits, notes } = useMemo(() => effectiveSplits(clips), [clips]);
  const storage = useStorage(clips, library.heads);

  if (library.status === 'opening') return <p className="muted center">Opening the clip library…</p>;
  if (library.status === 'failed' || activeSet === null) {
    return library.error ? (
      <ErrorBanner error={library.error} title="The clip library is not available" testId="library-error" />
    ) : null;
  }
  const speakers = [...new Set(clips.map((c) => c.speaker).filter((s): s is string => s !== null))].sort();
  const labelNames = [
    ...new Set([
      ...activeSet.labels.map((l) => l.name),
      ...clips.map((c) => c.label).filter((l): l is string => l !== null),
    ]),
  ];
  const shown = clips.filter(
    (c) =>
      (labelFilter === '' || (labelFilter === NONE ? c.label === null : c.label === labelFilter)) &&
      (speakerFilter === '' || (speakerFilter === NONE ? c.speaker === null : c.speaker === speakerFilter)) &&
      (splitFilter === '' || splits.get(c.id) === splitFilter),
  );
  const count = (label: string | null, split: SplitName | null): number =>
    clips.filter((c) => c.label === label && (split === null || splits.get(c.id) === split)).length;
  const inSet = new Set(activeSet.labels.map((l) => l.name));

  return (
    <div className="library" data-testid="library-screen">
      {library.error ? (
        <ErrorBanner
          error={library.error}
          title="The library was not changed"
          testId="library-error"
          onDismiss={library.dismissError}
        />
      ) : null}
      {library.lastDeleted ? (
        <Notice tone="info" testId="undo-delete" onDismiss={library.forgetDeleted}>
          Deleted{' '}
          {library.lastDeleted.clips.length === 1
            ? `"${library.lastDeleted.clips[0]?.name ?? ''}"`
            : `${String(library.lastDeleted.clips.length)} clips`}
          .{' '}
          <button
            type="button"
            className="button subtle"
            data-testid="undo"
            onClick={() => {
              void library.undoDelete();
            }}
          >
            Undo
          </button>
        </Notice>
      ) : null}
      <LabelSetEditor library={library} />
      <AddClips ml={ml} library={library} />
      <section className="card" aria-labelledby="clips-title">
        <div className="row-between">
          <h2 id="clips-title">
            Clips{' '}
            <span className="muted small" data-testid="clip-count">
              {clips.length}
            </span>
          </h2>
          <div className="row filters">
            <select
              aria-label="Filter by label"
              value={labelFilter}
              data-testid="filter-label"
              onChange={(e) => {
                setLabelFilter(e.currentTarget.value);
              }}
            >
              <option value="">All labels</option>
              {labelNames.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
              <option value={NONE}>Unlabelled</option>
            </select>
            <select
              aria-label="Filter by speaker"
              value={speakerFilter}
              data-testid="filter-speaker"
              onChange={(e) => {
                setSpeakerFilter(e.currentTarget.value);
              }}
            >
              <option value="">All speakers</option>
              {speakers.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
              <option value={NONE}>No speaker</option>
            </select>
            <select
              aria-label="Filter by split"
              value={splitFilter}
              data-testid="filter-split"
              onChange={(e) => {
                setSplitFilter(e.currentTarget.value);
              }}
            >
              <option value="">All splits</option>
              {SPLITS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        </div>
        <table className="counts" data-testid="label-counts">
          <thead>
            <tr>
              <th scope="col">Label</th>
              {SPLITS.map((s) => (
                <th key={s} scope="col" className="num">
                  {s}
                </th>
              ))}
              <th scope="col" className="num">
                all
              </th>
            </tr>
          </thead>
          <tbody>
            {[...labelNames, null].map((l) => {
              const total = count(l, null);
              if (l === null && total === 0) return null;
              return (
                <tr
                  key={l ?? NONE}
                  data-label={l ?? ''}
                  className={l !== null && !inSet.has(l) ? 'flagged' : undefined}
                >
                  <th scope="row">{l ?? '(unlabelled)'}</th>
                  {SPLITS.map((s) => (
                    <td key={s} className="num" data-split={s}>
                      {count(l, s)}
                    </td>
                  ))}
                  <td className="num" data-split="all">
                    {total}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {notes.map((n) => (
          <p key={n} className="muted small">
            {n}
          </p>
        ))}
        <ClipTable clips={shown} set={activeSet} splits={splits} library={library} player={player} />
      </section>
      {storage ? (
        <p className="muted small center" data-testid="storage" data-persisted={String(storage.persisted)}>
          {describeStorage(storage)}
        </p>
      ) : null}
    </div>
  );
}
