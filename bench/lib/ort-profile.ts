/** onnxruntime's profiler output (Chrome-trace events), as the profile case reads it from both runtimes. */

/**
 * Kernel milliseconds per operator type and pass: a profile's kernel events summed and divided by the `passes` it
 * covers (warm-ups included: the profiler records from session start). Both runtimes write Chrome-trace events,
 * `{"cat":"Node","name":"<node>_kernel_time","dur":us,"args":{"op_name":...}}` per kernel.
 */
export function kernelTimes(events: readonly unknown[], passes: number): Map<string, number> {
  const per = new Map<string, number>();
  for (const e of events) {
    if (typeof e !== 'object' || e === null) continue;
    const ev = e as { cat?: unknown; name?: unknown; dur?: unknown; args?: { op_name?: unknown } };
    if (
      ev.cat !== 'Node' ||
      typeof ev.name !== 'string' ||
      !ev.name.endsWith('_kernel_time') ||
      typeof ev.dur !== 'number'
    )
      continue;
    const op = typeof ev.args?.op_name === 'string' ? ev.args.op_name : '?';
    per.set(op, (per.get(op) ?? 0) + ev.dur);
  }
  for (const [op, us] of per) per.set(op, us / passes / 1000);
  return per;
}

/** Events from the profiler lines onnxruntime-web prints: one JSON event per line, in a JSON array's punctuation. */
export function parseLines(lines: readonly string[]): unknown[] {
  const out: unknown[] = [];
  for (const l of lines.flatMap((x) => x.split('\n'))) {
    const s = l
      .slice(l.indexOf('{'))
      .replace(/,\s*$/, '')
      .replace(/\]\s*$/, '');
    if (!s.startsWith('{')) continue;
    try {
      out.push(JSON.parse(s));
    } catch {
      // Not an event line.
    }
  }
  return out;
}
