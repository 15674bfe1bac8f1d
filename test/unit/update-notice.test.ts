/**
 * The update notice (src/components/UpdateNotice.tsx): shown only when a new version waits, and its Reload held while
 * a training run is going, since reloading would end the run.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { UpdateNotice } from '../../src/components/UpdateNotice';

const html = (waiting: boolean, busy: boolean): string =>
  renderToStaticMarkup(createElement(UpdateNotice, { update: { waiting, reload: () => undefined }, busy }));

describe('update notice', () => {
  it('says nothing while no new version waits', () => {
    expect(html(false, false)).toBe('');
    expect(html(false, true)).toBe('');
  });

  it('offers a reload when a new version waits', () => {
    const shown = html(true, false);
    expect(shown).toContain('A new version of this app was installed; reload to use it.');
    expect(shown).toMatch(/<button type="button" data-testid="update-reload">Reload<\/button>/);
    expect(shown).not.toContain('update-after-training');
  });

  it('holds the reload while a training run is going', () => {
    const shown = html(true, true);
    expect(shown).toMatch(/<button type="button" data-testid="update-reload" disabled="">Reload<\/button>/);
    expect(shown).toContain('You can reload once the training run is done.');
  });
});
