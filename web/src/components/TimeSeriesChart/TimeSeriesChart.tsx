/**
 * A time-series chart on uPlot (small and fast). uPlot is loaded when the first
 * chart mounts, so pages without charts do not pay for it. The caption states
 * the latest values in words, for screen readers and for a glance.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type uPlot from 'uplot';
import styles from './TimeSeriesChart.module.css';

const MIN_SPAN_SECONDS = 5 * 60;

export interface ChartSeries {
  label: string;
  color: string;
  kind?: 'line' | 'bars';
}

/** x in seconds since the epoch, then one array of values per series. */
export type ChartData = [number[], ...(number | null)[][]];

export function TimeSeriesChart(props: {
  title: string;
  series: ChartSeries[];
  data: ChartData;
  height?: number;
  caption?: ReactNode;
  emptyText?: string;
}) {
  const { series, height = 190 } = props;
  const plotRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const dataRef = useRef(props.data);
  const [failure, setFailure] = useState<string | null>(null);
  const seriesKey = JSON.stringify(series);

  useEffect(() => {
    dataRef.current = props.data;
    chartRef.current?.setData(props.data);
  }, [props.data]);

  useEffect(() => {
    const element = plotRef.current;
    if (!element) return;
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    const create = async (): Promise<void> => {
      try {
        const [{ default: UPlot }] = await Promise.all([
          import('uplot'),
          import('uplot/dist/uPlot.min.css'),
        ]);
        if (cancelled) return;
        const width = Math.max(240, element.clientWidth);
        const chart = new UPlot(
          chartOptions(UPlot, series, width, height),
          dataRef.current,
          element,
        );
        chartRef.current = chart;
        if (typeof ResizeObserver !== 'undefined') {
          observer = new ResizeObserver(() => {
            chart.setSize({ width: Math.max(240, element.clientWidth), height });
          });
          observer.observe(element);
        }
      } catch (err) {
        if (!cancelled) setFailure(err instanceof Error ? err.message : String(err));
      }
    };
    void create();
    return () => {
      cancelled = true;
      observer?.disconnect();
      chartRef.current?.destroy();
      chartRef.current = null;
    };
    // `series` is compared by its JSON (seriesKey): a new array of the same series keeps the chart.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesKey, height]);

  const isEmpty = props.data[0].length === 0;
  return (
    <figure className={styles.figure} aria-label={props.title}>
      <div className={styles.title}>{props.title}</div>
      <div className={styles.plot} ref={plotRef} style={{ minHeight: height }}>
        {failure ? (
          <div className={styles.placeholder}>Chart unavailable in this browser.</div>
        ) : isEmpty ? (
          <div className={styles.placeholder}>{props.emptyText ?? 'No data yet.'}</div>
        ) : null}
      </div>
      {props.caption ? <figcaption className={styles.caption}>{props.caption}</figcaption> : null}
    </figure>
  );
}

function chartOptions(
  UPlot: typeof uPlot,
  series: ChartSeries[],
  width: number,
  height: number,
): uPlot.Options {
  const axis = {
    stroke: '#556070',
    grid: { stroke: '#e7eaf0', width: 1 },
    ticks: { stroke: '#d8dde5', width: 1 },
    font: '12px system-ui, sans-serif',
  };
  const bars = UPlot.paths.bars?.({ size: [0.6, 24] });
  return {
    width,
    height,
    cursor: { drag: { x: false, y: false } },
    scales: {
      // A few seconds of live points would read as milliseconds: show at least five minutes.
      x: {
        time: true,
        range: (_u, min, max) =>
          max - min < MIN_SPAN_SECONDS ? [max - MIN_SPAN_SECONDS, max] : [min, max],
      },
      // Counts start at zero, and an all-zero series still gets a visible axis.
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] },
    },
    // Room between time labels, so they stay legible in a narrow window.
    axes: [
      { ...axis, space: 80 },
      { ...axis, size: 48 },
    ],
    series: [
      {},
      ...series.map((item) => ({
        label: item.label,
        stroke: item.color,
        width: 2,
        ...(item.kind === 'bars' && bars ? { paths: bars, fill: `${item.color}cc` } : {}),
        points: { show: false },
        value: (_u: uPlot, value: number | null) =>
          value === null ? '–' : String(Math.round(value)),
      })),
    ],
  };
}
