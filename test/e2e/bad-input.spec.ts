/**
 * One table of bad inputs, one runner (in the manner of onnxruntime's op tests): audio files, microphones, heads,
 * metadata.csv files and model files. Each case asserts the exact error code (or the warning) the page answers with,
 * that the page still analyses a good clip afterwards, and that nothing the library had stored was lost.
 *
 * Each group of cases shares one page (opened once, its library seeded with clips and a head), so a case also shows
 * that the page survives the cases before it; a case run alone (`--grep`) sets the page up itself.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { AUDIO_FILE_CASES, MICROPHONE_CASES, restoreMicrophone } from './bad-input/cases-audio.ts';
import { HEAD_CASES, METADATA_CASES, MODEL_CASES, SEEDED_HEAD } from './bad-input/cases-stored.ts';
import { expectAnswer, expectUsable, stored, type Case } from './bad-input/table.ts';
import { fixtureHeadFiles, openReady, ravdessClipsOf, writeTempHead } from './helpers.ts';

const GROUPS: Readonly<Record<string, readonly Case[]>> = {
  'audio file': AUDIO_FILE_CASES,
  microphone: MICROPHONE_CASES,
  head: HEAD_CASES,
  'metadata.csv': METADATA_CASES,
  'model file': MODEL_CASES,
};

const pages = new Map<string, Promise<Page>>();

/** A page with the models loaded, two clips in the library and an imported head in use. */
async function seededPage(browser: Browser, baseURL: string): Promise<Page> {
  // The model cases change the network under the page; the service worker would answer from its precache instead.
  const context = await browser.newContext({ baseURL, serviceWorkers: 'block' });
  const page = await context.newPage();
  await openReady(page, 'wasm');
  await page.getByTestId('tab-library').click();
  await page.getByTestId('library-files').setInputFiles(ravdessClipsOf(['01'], ['angry', 'fearful'], 1));
  await expect(page.getByTestId('import-summary')).toContainText('Added 2 clip(s).');
  await page.getByTestId('tab-classify').click();
  const head = fixtureHeadFiles();
  await page.getByTestId('head-input').setInputFiles(writeTempHead('head-seed', head.config, head.weights));
  await expect(page.getByTestId('head-name')).toHaveText(SEEDED_HEAD);
  return page;
}

function pageFor(group: string, browser: Browser, baseURL: string): Promise<Page> {
  let page = pages.get(group);
  if (page === undefined) {
    page = seededPage(browser, baseURL);
    pages.set(group, page);
  }
  return page;
}

test.afterAll(async () => {
  for (const page of pages.values()) await (await page).context().close();
  pages.clear();
});

for (const [group, cases] of Object.entries(GROUPS)) {
  test.describe(group, () => {
    for (const c of cases) {
      test(c.name, async ({ browser, baseURL }) => {
        test.setTimeout(300_000);
        const page = await pageFor(group, browser, baseURL ?? '');
        const before = await stored(page);
        try {
          await c.act(page);
          await expectAnswer(page, c.expect);
          await c.then?.(page);
        } finally {
          await restoreMicrophone(page).catch(() => undefined);
        }
        await expectUsable(page);
        const adds = c.adds ?? 0;
        expect(await stored(page)).toEqual({ ...before, clips: before.clips + adds, audio: before.audio + adds });
      });
    }
  });
}

test('the table holds at least 30 cases across the five kinds of input', () => {
  const counts = Object.fromEntries(Object.entries(GROUPS).map(([g, cases]) => [g, cases.length]));
  expect(
    Object.values(counts).reduce((a, b) => a + b, 0),
    JSON.stringify(counts),
  ).toBeGreaterThanOrEqual(30);
  for (const [group, n] of Object.entries(counts)) expect(n, group).toBeGreaterThanOrEqual(4);
});
