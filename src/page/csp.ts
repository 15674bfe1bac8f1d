/**
 * The page's Content-Security-Policy, from one definition: vite.config.ts serves it as a header in dev and preview,
 * and the build writes it into index.html as a meta tag for static hosts. Nothing is allowed to leave the page but
 * model downloads, so `connect-src` names our origin and the model hosts only.
 */

/**
 * Where a hub sends its downloads: huggingface.co answers `resolve/` URLs of LFS and Xet files with a redirect to
 * its CDN hosts (cdn-lfs*.huggingface.co, cdn-lfs*.hf.co, cas-bridge.xethub.hf.co, us.aws.cdn.hf.co, ...; the
 * list in huggingface/hub-docs "downloading behind a firewall" grows), and CSP checks every redirect target. The
 * wildcards keep to Hugging Face's own domains.
 */
export const HUB_REDIRECT_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'huggingface.co': ['https://*.huggingface.co', 'https://*.hf.co'],
};

/** The origins model files come from: the hub, where it redirects, and a manifest served from another origin. */
export function modelOrigins(hubUrl: string, manifestUrl?: string): string[] {
  const hub = new URL(hubUrl);
  const origins = [hub.origin, ...(HUB_REDIRECT_HOSTS[hub.hostname] ?? [])];
  if (manifestUrl !== undefined && /^https?:\/\//.test(manifestUrl)) origins.push(new URL(manifestUrl).origin);
  return [...new Set(origins)];
}

/** What the policy is for: served as a header (may carry frame-ancestors) or a meta tag; dev or a build. */
export interface CspOptions {
  readonly modelOrigins: readonly string[];
  /** Vite's dev server: its React refresh preamble is an inline script and HMR talks over a websocket. */
  readonly dev: boolean;
  /** Meta tags cannot carry `frame-ancestors` (browsers ignore it there and warn). */
  readonly delivery: 'header' | 'meta';
}

/** The policy's directives, in order. */
export function cspDirectives(options: CspOptions): [string, string[]][] {
  const { dev, delivery } = options;
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    // WASM compilation (onnxruntime-web, TensorFlow.js) needs 'wasm-unsafe-eval'; no JavaScript eval is allowed.
    ['script-src', ["'self'", "'wasm-unsafe-eval'", ...(dev ? ["'unsafe-inline'"] : [])]],
    // React renders `style=` attributes (progress bars, chart sizes); no style sheet comes from elsewhere.
    ['style-src', ["'self'", "'unsafe-inline'"]],
    // The favicon is a data: URL; uPlot draws on canvas.
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'"]],
    // Recordings and library clips play from Blob URLs.
    ['media-src', ["'self'", 'blob:']],
    ['connect-src', ["'self'", ...options.modelOrigins, ...(dev ? ['ws://localhost:*', 'ws://127.0.0.1:*'] : [])]],
    // The ML worker, onnxruntime's thread workers and the service worker all come from our origin.
    ['worker-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['form-action', ["'none'"]],
  ];
  if (delivery === 'header') directives.push(['frame-ancestors', ["'none'"]]);
  return directives;
}

/** The policy as one header or meta-tag value. */
export function cspString(options: CspOptions): string {
  return cspDirectives(options)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}
