/**
 * Channel downmixing: the models take mono input.
 */

/**
 * Averages the channels into one mono signal. A single channel is returned as a copy, so callers may
 * modify the result freely. Channels of unequal length are cut to the shortest, because samples past
 * its end have no partner to average with; no channels gives an empty array.
 */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first.slice();
  let n = first.length;
  for (const ch of channels) n = Math.min(n, ch.length);
  const acc = new Float64Array(n);
  for (const ch of channels) {
    for (let i = 0; i < n; i++) acc[i] = (acc[i] ?? 0) + (ch[i] ?? 0);
  }
  const out = new Float32Array(n);
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] = (acc[i] ?? 0) * scale;
  return out;
}
