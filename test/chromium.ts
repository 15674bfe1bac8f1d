/** Debian's Chromium; Playwright never downloads a browser of its own here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for headless Chromium in this sandbox: WebGPU needs `--enable-unsafe-webgpu` (SwiftShader adapter), and the
 * background-networking flags stop Chromium from trying hosts that the closed network refuses.
 */
export function chromiumArgs(extra: readonly string[] = []): string[] {
  return [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    ...extra,
  ];
}
