/** The build settings the page reads (see src/page/manifest-url.ts). */
interface ImportMetaEnv {
  readonly VITE_MMER_MANIFEST_URL?: string;
  readonly VITE_MMER_HUB_URL?: string;
}
