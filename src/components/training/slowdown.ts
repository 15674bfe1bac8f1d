/** Words for the off-GPU slowdown estimate (the page never loads TensorFlow.js for this). */

/**
 * "about 3-25 times": rounded (whole numbers below 10, fives above) so that it reads as the estimate it is; a range
 * whose ends round alike collapses to one figure.
 */
export function formatSlowdown(e: { readonly low: number; readonly high: number }): string {
  const r = (x: number): string =>
    x < 2 ? x.toFixed(1) : x < 10 ? x.toFixed(0) : String(Math.max(10, Math.round(x / 5) * 5));
  const lo = r(e.low);
  const hi = r(e.high);
  return lo === hi ? `about ${lo} times` : `about ${lo}-${hi} times`;
}
