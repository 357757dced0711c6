import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** A small line chart over time (uPlot: about 50 KB and fast enough to redraw on every stats event). */
export function Chart({ title, unit, time, values, max }: { title: string; unit: string; time: number[]; values: (number | null)[]; max?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const element = container.current!;
    plot.current = new uPlot(
      {
        width: element.clientWidth || 400,
        height: 160,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_plot, min, dataMax) => [Math.min(0, min ?? 0), max ?? Math.max(1, dataMax ?? 1) * 1.1] } },
        axes: [{ stroke: '#8a94a6' }, { stroke: '#8a94a6', size: 50, values: (_plot, ticks) => ticks.map((tick) => `${tick}${unit}`) }],
        series: [{}, { stroke: '#3b82f6', width: 2, fill: 'rgba(59, 130, 246, 0.12)', spanGaps: false }],
      },
      [time, values],
      element,
    );
    const resize = () => plot.current?.setSize({ width: element.clientWidth, height: 160 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
    };
  }, []);

  useEffect(() => plot.current?.setData([time, values]), [time, values]);

  return (
    <figure class="chart card">
      <figcaption>{title}</figcaption>
      <div ref={container} />
      {time.length === 0 && <p class="empty">Waiting for the first stats…</p>}
    </figure>
  );
}
