import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import {
  BUILTIN_LABEL_SET,
  LABEL_PALETTE,
  addLabel,
  copyLabelSet,
  flaggedClips,
  labelSetProblems,
  moveLabel,
  newLabelSet,
  recolourLabel,
  removeLabel,
  renameLabel,
} from '../../src/data/library/label-sets';
import type { LabelSet } from '../../src/data/library/library-types';

const names = (set: LabelSet): string[] => set.labels.map((l) => l.name);

describe('label sets', () => {
  it('has the built-in IEMOCAP-4 set with distinct colours', () => {
    expect(BUILTIN_LABEL_SET).toMatchObject({ id: 'iemocap-4', name: 'IEMOCAP-4', builtin: true });
    expect(names(BUILTIN_LABEL_SET)).toEqual(['neutral', 'happy', 'angry', 'sad']);
    expect(new Set(BUILTIN_LABEL_SET.labels.map((l) => l.colour)).size).toBe(4);
    expect(labelSetProblems(BUILTIN_LABEL_SET)).toEqual([]);
  });

  it('creates sets with palette colours and edits them without touching the input', () => {
    const set = newLabelSet(' Mine ', ['calm', ' excited '], 'id1');
    expect(set).toEqual({
      id: 'id1',
      name: 'Mine',
      builtin: false,
      labels: [
        { name: 'calm', colour: LABEL_PALETTE[0] },
        { name: 'excited', colour: LABEL_PALETTE[1] },
      ],
    });
    expect(newLabelSet('x', ['a']).id).toMatch(/^[0-9a-f-]{36}$/);
    const added = addLabel(set, 'bored');
    expect(names(added)).toEqual(['calm', 'excited', 'bored']);
    expect(added.labels[2]?.colour).toBe(LABEL_PALETTE[2]);
    expect(names(set)).toEqual(['calm', 'excited']);
    expect(renameLabel(added, 'excited', 'thrilled').labels[1]).toEqual({ name: 'thrilled', colour: LABEL_PALETTE[1] });
    expect(names(removeLabel(added, 'calm'))).toEqual(['excited', 'bored']);
    expect(recolourLabel(added, 'bored', '#123456').labels[2]?.colour).toBe('#123456');
    // A removed label's colour is reused before the palette moves on.
    expect(addLabel(removeLabel(added, 'calm'), 'new').labels[2]?.colour).toBe(LABEL_PALETTE[0]);
  });

  it.each([
    [0, 2, ['b', 'c', 'a']],
    [2, 0, ['c', 'a', 'b']],
    [1, 1, ['a', 'b', 'c']],
    [0, 99, ['b', 'c', 'a']],
    [-5, 1, ['b', 'a', 'c']],
  ])('moves label %i to %i', (from, to, expected) => {
    expect(names(moveLabel(newLabelSet('s', ['a', 'b', 'c']), from, to))).toEqual(expected);
  });

  it('copies the built-in set into an editable one', () => {
    const copy = copyLabelSet(BUILTIN_LABEL_SET, 'IEMOCAP-4 (mine)', 'c1');
    expect(copy).toEqual({ ...BUILTIN_LABEL_SET, id: 'c1', name: 'IEMOCAP-4 (mine)', builtin: false });
  });

  it.each([
    ['empty name', { name: ' ', labels: [{ name: 'a', colour: '#000' }] }, ['The label set needs a name.']],
    ['no labels', { name: 'S', labels: [] }, ['The label set "S" needs at least one label.']],
    ['empty label', { name: 'S', labels: [{ name: '', colour: '#000' }] }, ['Label 1 has no name.']],
    [
      'duplicate (any case)',
      {
        name: 'S',
        labels: [
          { name: 'Happy', colour: '#000' },
          { name: 'happy', colour: '#111' },
        ],
      },
      ['The label "happy" appears more than once.'],
    ],
    ['no colour', { name: 'S', labels: [{ name: 'a', colour: '' }] }, ['The label "a" has no colour.']],
  ])('reports problems: %s', (_case, fields, problems) => {
    expect(labelSetProblems({ id: 'x', builtin: false, ...fields })).toEqual(problems);
  });

  it.each([
    ['a duplicate label', () => addLabel(newLabelSet('s', ['a']), 'A')],
    ['removing the last label', () => removeLabel(newLabelSet('s', ['a']), 'a')],
    ['renaming a missing label', () => renameLabel(newLabelSet('s', ['a']), 'b', 'c')],
    ['an empty set', () => newLabelSet('s', [])],
  ])('refuses %s', (_case, edit) => {
    expect(edit).toThrow(AppError);
  });

  it('flags clips whose label is outside the set, keeping unlabelled ones out of it', () => {
    const clips = [
      { id: '1', label: 'happy' },
      { id: '2', label: 'calm' },
      { id: '3', label: null },
      { id: '4', label: 'Sad' },
    ];
    expect(flaggedClips(clips, BUILTIN_LABEL_SET).map((c) => c.id)).toEqual(['2', '4']);
  });
});
