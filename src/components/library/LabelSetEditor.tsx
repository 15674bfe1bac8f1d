import { useState } from 'react';
import { toErrorInfo, type ErrorInfo } from '../../core/errors';
import {
  addLabel,
  copyLabelSet,
  moveLabel,
  newLabelSet,
  recolourLabel,
  removeLabel,
  renameLabel,
} from '../../data/library/label-sets';
import type { LabelSet } from '../../data/library/library-types';
import type { UseLibrary } from '../../hooks/useLibrary';
import { ErrorBanner } from '../ErrorBanner';
import { Icon } from '../icons/Icon';

interface Props {
  readonly library: UseLibrary;
}

/**
 * The active label set and its editing: choose a set, create one, copy the built-in IEMOCAP-4 set to change it, and
 * add, rename (clips follow), reorder, recolour and remove labels. Clips whose label leaves the set are flagged in
 * the library, never deleted.
 */
export function LabelSetEditor({ library }: Props) {
  const set = library.activeSet;
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [newLabel, setNewLabel] = useState('');
  const [editing, setEditing] = useState(false);

  const save = async (next: LabelSet, relabel?: { from: string; to: string }): Promise<void> => {
    setError(null);
    const r = await library.saveLabelSet(next);
    if (!r.ok) return;
    if (relabel !== undefined) {
      const ids = library.clips.filter((c) => c.label === relabel.from).map((c) => c.id);
      if (ids.length > 0) await library.updateClips(ids, { label: relabel.to });
    }
  };
  const attempt = (fn: () => Promise<void>): void => {
    void fn().catch((err: unknown) => {
      setError(toErrorInfo(err));
    });
  };

  if (set === null) return null;
  return (
    <section className="card label-sets" aria-labelledby="labels-title" data-testid="label-sets">
      <div className="row-between">
        <h2 id="labels-title">Labels</h2>
        <div className="row">
          <label className="small">
            Label set{' '}
            <select
              value={set.id}
              data-testid="label-set-select"
              onChange={(e) => {
                void library.setActiveSet(e.currentTarget.value);
              }}
            >
              {library.labelSets.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="button subtle"
            data-testid="copy-label-set"
            onClick={() => {
              attempt(async () => {
                const copy = set.builtin
                  ? copyLabelSet(set, `${set.name} (mine)`)
                  : copyLabelSet(set, `${set.name} copy`);
                await save(copy);
                await library.setActiveSet(copy.id);
                setEditing(true);
              });
            }}
          >
            {set.builtin ? 'Copy to edit' : 'Duplicate'}
          </button>
          <button
            type="button"
            className="button subtle"
            onClick={() => {
              const name = window.prompt('Name of the new label set');
              const labels =
                name === null ? null : window.prompt('Labels, separated by commas (e.g. calm, excited, bored)');
              if (name === null || labels === null) return;
              attempt(async () => {
                const created = newLabelSet(
                  name,
                  labels
                    .split(',')
                    .map((l) => l.trim())
                    .filter((l) => l.length > 0),
                );
                await save(created);
                await library.setActiveSet(created.id);
              });
            }}
          >
            New set…
          </button>
          {!set.builtin ? (
            <button
              type="button"
              className="button subtle"
              aria-pressed={editing}
              data-testid="edit-labels"
              onClick={() => {
                setEditing((e) => !e);
              }}
            >
              {editing ? 'Done' : 'Edit labels'}
            </button>
          ) : null}
        </div>
      </div>
      <ol className="label-chips" data-testid="active-labels">
        {set.labels.map((l, i) => (
          <li key={l.name} className="label-chip" style={{ borderColor: l.colour }} data-label={l.name}>
            <span className="label-swatch" style={{ background: l.colour }} aria-hidden="true" />
            <kbd className="small">{i < 9 ? i + 1 : ''}</kbd> {l.name}
            {editing && !set.builtin ? (
              <span className="chip-tools">
                <input
                  type="color"
                  aria-label={`Colour of ${l.name}`}
                  value={l.colour.startsWith('#') && l.colour.length === 7 ? l.colour : '#888888'}
                  onChange={(e) => {
                    const colour = e.currentTarget.value;
                    attempt(() => save(recolourLabel(set, l.name, colour)));
                  }}
                />
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Move ${l.name} left`}
                  disabled={i === 0}
                  onClick={() => {
                    attempt(() => save(moveLabel(set, i, i - 1)));
                  }}
                >
                  ‹
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Move ${l.name} right`}
                  disabled={i === set.labels.length - 1}
                  onClick={() => {
                    attempt(() => save(moveLabel(set, i, i + 1)));
                  }}
                >
                  ›
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Rename ${l.name}`}
                  onClick={() => {
                    const to = window.prompt(`Rename "${l.name}" to`, l.name);
                    if (to === null || to.trim() === l.name) return;
                    attempt(() => save(renameLabel(set, l.name, to), { from: l.name, to: to.trim() }));
                  }}
                >
                  <Icon name="edit" />
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove ${l.name}`}
                  onClick={() => {
                    attempt(() => save(removeLabel(set, l.name)));
                  }}
                >
                  ×
                </button>
              </span>
            ) : null}
          </li>
        ))}
      </ol>
      {editing && !set.builtin ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            attempt(async () => {
              await save(addLabel(set, newLabel));
              setNewLabel('');
            });
          }}
        >
          <input
            value={newLabel}
            placeholder="New label"
            aria-label="New label"
            onChange={(e) => {
              setNewLabel(e.currentTarget.value);
            }}
          />
          <button type="submit" className="button subtle" disabled={newLabel.trim() === ''}>
            Add label
          </button>
          <button
            type="button"
            className="button subtle"
            onClick={() => {
              if (window.confirm(`Delete the label set "${set.name}"? Clips keep their labels.`))
                void library.deleteLabelSet(set.id);
            }}
          >
            Delete set
          </button>
        </form>
      ) : null}
      {error ? (
        <ErrorBanner
          error={error}
          title="The label set was not changed"
          testId="label-error"
          onDismiss={() => {
            setError(null);
          }}
        />
      ) : null}
    </section>
  );
}
