import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './test/chromium.ts';
import { FAKE_MIC_WAV } from './test/e2e/helpers.ts';

/** `E2E_PORT` moves the preview server off 4173, so two checkouts on one machine never test each other's build. */
const PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * End-to-end tests against `vite preview` of the production build (`npm run test:e2e` builds first).
 * Debian's Chromium is used; Playwright never downloads a browser. One worker: the page runs the models on the
 * machine's few cores, so parallel pages would only slow each other down.
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 360_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  globalSetup: './test/e2e/global-setup.ts',
  // Baselines of screens.spec.ts, committed: one image per screen and width, whatever the project.
  snapshotPathTemplate: '{testDir}/screens/{arg}{ext}',
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    headless: true,
    acceptDownloads: true,
    trace: 'retain-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  projects: [
    {
      // Microphone granted without a prompt; it plays a RAVDESS clip once (then silence).
      name: 'fake-mic',
      testIgnore: ['**/mic-denied.spec.ts', '**/no-devices.spec.ts'],
      use: {
        launchOptions: {
          executablePath: chromiumPath,
          args: chromiumArgs([
            '--use-fake-ui-for-media-stream',
            '--use-fake-device-for-media-stream',
            `--use-file-for-fake-audio-capture=${FAKE_MIC_WAV}%noloop`,
          ]),
        },
      },
    },
    {
      // A microphone exists, but the permission prompt is refused.
      name: 'mic-denied',
      testMatch: '**/mic-denied.spec.ts',
      use: {
        permissions: [],
        launchOptions: {
          executablePath: chromiumPath,
          args: chromiumArgs(['--use-fake-device-for-media-stream', '--deny-permission-prompts']),
        },
      },
    },
    {
      // No WebGPU flag and no fake devices: a machine without a usable GPU or microphone.
      name: 'no-devices',
      testMatch: '**/no-devices.spec.ts',
      use: {
        permissions: ['microphone'],
        launchOptions: {
          executablePath: chromiumPath,
          args: chromiumArgs(['--use-fake-ui-for-media-stream']).filter((a) => a !== '--enable-unsafe-webgpu'),
        },
      },
    },
  ],
});
