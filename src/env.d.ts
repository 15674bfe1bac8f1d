/// <reference types="vite-plugin-pwa/react" />

/** The build settings the page reads (see src/page/manifest-url.ts). */
interface ImportMetaEnv {
  readonly VITE_MMER_MANIFEST_URL?: string;
  readonly VITE_MMER_HUB_URL?: string;
  /** '1' in the end-to-end build: keeps the test hooks (src/worker-api/test-hooks.ts). */
  readonly VITE_MMER_TEST_HOOKS?: string;
}
