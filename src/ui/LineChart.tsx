import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

/** A small uPlot line chart; x is 1..n. Redrawn in place when the data grows. */
export function LineChart({
  title,
  series,
  height = 140,
}: {
  title: string;
  series: ChartSeries[];
  height?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    if (!host.current) return;
    const width = host.current.clientWidth || 260;
    plot.current = new uPlot(
      {
        title,
        width,
        height,
        legend: { show: true },
        scales: { x: { time: false } },
        axes: [{ size: 24 }, { size: 40 }],
        series: [
          { label: 'x' },
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true })),
        ],
      },
      [[], ...series.map(() => [])],
      host.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Re-create only when the set of series changes; data updates go through setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, title, height]);

  useEffect(() => {
    const n = Math.max(0, ...series.map((s) => s.values.length));
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    plot.current?.setData([xs, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [series]);

  return <div ref={host} className="chart" role="img" aria-label={title} />;
}
