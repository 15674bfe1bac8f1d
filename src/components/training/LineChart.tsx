import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  readonly label: string;
  readonly colour: string;
  /** One value per x; null leaves a gap (e.g. a loss term that is switched off). */
  readonly values: readonly (number | null)[];
}

interface Props {
  readonly title: string;
  readonly xLabel: string;
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly testId: string;
  /** True for values in [0, 1] (UA/WA): the y axis is fixed to that range; otherwise it follows the data. */
  readonly unitRange?: boolean;
}

const HEIGHT = 220;

/**
 * A live line chart (uPlot: canvas, fast with thousands of points). The chart is created once and fed new data on
 * every render; the last values are also written to data attributes, so tests and screen readers can read them.
 */
export function LineChart({ title, xLabel, x, series, testId, unitRange = false }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.colour}`).join('|');

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false }, y: unitRange ? { range: [0, 1] } : {} },
      axes: [{ label: xLabel }, {}],
      series: [
        { label: xLabel },
        ...shape.split('|').map((s) => {
          const [label = '', colour = '#888'] = s.split(':');
          return { label, stroke: colour, width: 2, spanGaps: false };
        }),
      ],
    };
    const chart = new uPlot(opts, [[], ...shape.split('|').map(() => [])], el);
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape, xLabel, unitRange]);

  useEffect(() => {
    plot.current?.setData([[...x], ...series.map((s) => [...s.values])] as uPlot.AlignedData);
  });

  const last = series.map((s) => `${s.label}=${String(s.values[s.values.length - 1] ?? '')}`).join(' ');
  return (
    <figure className="chart" data-testid={testId} data-points={x.length} data-last={last}>
      <figcaption className="small">{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
