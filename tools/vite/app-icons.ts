/**
 * The app's icons, drawn at build time (no binary in the repository): the favicon's blue disc with a white ring, as
 * PNGs at the sizes the web app manifest lists. A maskable icon fills its square with the brand colour and keeps the
 * ring inside the central safe zone (a circle of 40% of the size), since launchers crop it to their own shape.
 */
import { crc32, deflateSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** The favicon's colour (index.html), also the manifest's theme colour. */
export const BRAND_COLOUR = '#2f6fdb';

/** One icon file of the web app manifest. */
export interface AppIcon {
  readonly src: string;
  readonly sizes: string;
  readonly type: 'image/png';
  readonly purpose: 'any' | 'maskable';
}

const SPECS = [
  { size: 192, purpose: 'any' },
  { size: 512, purpose: 'any' },
  { size: 512, purpose: 'maskable' },
] as const;

/** The icons as the manifest lists them (paths relative to the manifest, which sits at the site's root). */
export const APP_ICONS: readonly AppIcon[] = SPECS.map(({ size, purpose }) => ({
  src: iconPath(size, purpose),
  sizes: `${size}x${size}`,
  type: 'image/png',
  purpose,
}));

function iconPath(size: number, purpose: 'any' | 'maskable'): string {
  return `icons/${purpose === 'maskable' ? 'maskable' : 'icon'}-${size}.png`;
}

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** RGBA pixels of one icon; 4×4 samples per pixel smooth the circles' edges. */
function draw(size: number, purpose: 'any' | 'maskable'): Uint8Array {
  const [br, bg, bb] = rgb(BRAND_COLOUR);
  const pixels = new Uint8Array(size * size * 4);
  // Radii as fractions of the size: the disc, then the ring's outer and inner edge.
  const disc = purpose === 'maskable' ? Infinity : 0.47;
  const ringOut = 0.3;
  const ringIn = 0.2;
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inDisc = 0;
      let inRing = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const dx = (x + (sx + 0.5) / n) / size - 0.5;
          const dy = (y + (sy + 0.5) / n) / size - 0.5;
          const r = Math.hypot(dx, dy);
          if (r <= disc) inDisc++;
          if (r <= ringOut && r >= ringIn) inRing++;
        }
      }
      const white = inRing / (n * n);
      const i = (y * size + x) * 4;
      pixels[i] = Math.round(br + (255 - br) * white);
      pixels[i + 1] = Math.round(bg + (255 - bg) * white);
      pixels[i + 2] = Math.round(bb + (255 - bb) * white);
      pixels[i + 3] = Math.round((255 * inDisc) / (n * n));
    }
  }
  return pixels;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG (8-bit RGBA, no filtering) of `rgba` pixels. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** Emits the icons into the build, before the service worker's precache list is made from the output folder. */
export function appIcons(): Plugin {
  return {
    name: 'mmer-app-icons',
    apply: 'build',
    generateBundle() {
      for (const { size, purpose } of SPECS) {
        this.emitFile({
          type: 'asset',
          fileName: iconPath(size, purpose),
          source: encodePng(size, draw(size, purpose)),
        });
      }
    },
  };
}
