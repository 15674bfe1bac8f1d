/**
 * The page's Content-Security-Policy for Vite: the model hosts come from the committed manifest's `hubUrl` and the
 * build's settings (VITE_MMER_HUB_URL, VITE_MMER_MANIFEST_URL; src/page/manifest-url.ts), the policy itself from
 * src/page/csp.ts. Dev and preview serve it as a header (dev's lets in what Vite's dev server needs); the build
 * also writes it into index.html, for static hosts that send no headers of their own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnv, type Plugin } from 'vite';
import { cspString, modelOrigins } from '../../src/page/csp.ts';

/** The model origins of a build: the hub it downloads from (the setting, else the manifest's) and the manifest's. */
export function buildModelOrigins(root: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'public', 'models', 'manifest.json'), 'utf8')) as {
    hubUrl: string;
  };
  const hub = env.VITE_MMER_HUB_URL?.trim() ?? '';
  const manifestUrl = env.VITE_MMER_MANIFEST_URL?.trim() ?? '';
  return modelOrigins(hub !== '' ? hub : manifest.hubUrl, manifestUrl !== '' ? manifestUrl : undefined);
}

/** Inserts the policy as a meta tag right after the charset declaration (which must come first in the head). */
export function withCspMeta(html: string, policy: string): string {
  const match = /<meta charset="[^"]*"\s*\/?>/i.exec(html);
  if (match === null) throw new Error('index.html has no <meta charset>: the policy goes right after it');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy.replaceAll('"', '&quot;')}" />`;
  const at = match.index + match[0].length;
  return `${html.slice(0, at)}\n    ${meta}${html.slice(at)}`;
}

/** The policy as a header of the dev and preview servers, and as a meta tag in the built index.html. */
export function contentSecurityPolicy(root: string): Plugin {
  let origins: string[] = [];
  return {
    name: 'mmer-content-security-policy',
    config(_config, { mode }) {
      // Settings from the shell win over .env files, as they do for the page's own import.meta.env.
      origins = buildModelOrigins(root, { ...loadEnv(mode, root, 'VITE_'), ...process.env });
      const header = (dev: boolean): Record<string, string> => ({
        'Content-Security-Policy': cspString({ modelOrigins: origins, dev, delivery: 'header' }),
      });
      // Vitest's browser mode serves its own harness page, not the app, and its tests reach stand-in hosts on purpose
      // (an unreachable model host, a damaged download): the app's policy is checked where the app runs (e2e).
      if (process.env.VITEST !== undefined) return { preview: { headers: header(false) } };
      return { server: { headers: header(true) }, preview: { headers: header(false) } };
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        if (context.server !== undefined) return html;
        return withCspMeta(html, cspString({ modelOrigins: origins, dev: false, delivery: 'meta' }));
      },
    },
  };
}
