import { BarChart, LineChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import type { EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { EvidencePanel } from '../lib/evidence';
import { number } from '../lib/format';

// Only what the evidence panels draw, so this chunk stays small.
echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  MarkAreaComponent,
  CanvasRenderer,
]);

const INK = '#1f2937';
const ACCENT = '#c2410c';
const BAR = '#94a3b8';
const BLUE = '#2563eb';

function option(panel: EvidencePanel): EChartsCoreOption {
  const base = {
    animation: false,
    grid: { left: 48, right: 16, top: 28, bottom: 36 },
    tooltip: { trigger: 'axis' },
    textStyle: { color: INK, fontFamily: 'inherit' },
  };
  switch (panel.type) {
    case 'histogram': {
      const centers = panel.counts.map((_, i) => (panel.edges[i] + panel.edges[i + 1]) / 2);
      const width = panel.edges[1] - panel.edges[0] || 1;
      const lo = panel.edges[0];
      const hi = Math.max(panel.edges[panel.edges.length - 1], panel.current ?? -Infinity);
      return {
        ...base,
        xAxis: {
          type: 'value',
          min: lo,
          max: hi + width * 0.5,
          name: 'score',
          nameLocation: 'middle',
          nameGap: 24,
        },
        yAxis: { type: 'value', name: 'reference items', nameTextStyle: { align: 'left' } },
        series: [
          {
            type: 'bar',
            name: 'reference',
            data: centers.map((c, i) => [c, panel.counts[i]]),
            barWidth: '90%',
            itemStyle: { color: BAR },
            markLine:
              panel.current === null
                ? undefined
                : {
                    symbol: 'none',
                    label: {
                      formatter: `current ${number(panel.current)}`,
                      color: ACCENT,
                      fontWeight: 'bold',
                    },
                    lineStyle: { color: ACCENT, width: 2, type: 'solid' },
                    data: [{ xAxis: panel.current }],
                  },
          },
        ],
      };
    }
    case 'series': {
      const band =
        panel.referenceMean !== null && panel.referenceSd !== null
          ? {
              silent: true,
              itemStyle: { color: 'rgba(37, 99, 235, 0.08)' },
              data: [
                [
                  { yAxis: panel.referenceMean - 2 * panel.referenceSd, name: 'reference ±2σ' },
                  { yAxis: panel.referenceMean + 2 * panel.referenceSd },
                ],
              ],
            }
          : undefined;
      return {
        ...base,
        xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, scale: true },
        yAxis: { type: 'value', scale: true },
        series: [
          {
            type: 'line',
            name: 'value',
            data: panel.points,
            showSymbol: panel.points.length < 60,
            lineStyle: { color: BLUE, width: 2 },
            itemStyle: { color: BLUE },
            markArea: band,
            markLine:
              panel.changeAt === null
                ? undefined
                : {
                    symbol: 'none',
                    label: {
                      formatter: `change point (step ${panel.changeAt})`,
                      color: ACCENT,
                      fontWeight: 'bold',
                    },
                    lineStyle: { color: ACCENT, width: 2, type: 'dashed' },
                    data: [{ xAxis: panel.changeAt }],
                  },
          },
        ],
      };
    }
    case 'layers':
      return {
        ...base,
        grid: { ...base.grid, left: 96 },
        xAxis: { type: 'value', name: 'score', nameLocation: 'middle', nameGap: 24 },
        yAxis: { type: 'category', data: panel.bars.map((b) => b.layer), inverse: true },
        series: [
          {
            type: 'bar',
            name: 'score',
            data: panel.bars.map((b, i) => ({
              value: b.score,
              itemStyle: { color: i === 0 ? ACCENT : BAR },
            })),
            label: {
              show: true,
              position: 'right',
              formatter: ({ value }: { value: number }) => number(value, 2),
            },
          },
        ],
      };
    case 'difference':
      return {
        ...base,
        legend: { top: 0, right: 0 },
        xAxis: { type: 'category', data: panel.items.map((i) => i.label) },
        yAxis: { type: 'value', scale: true },
        series: [
          {
            type: 'bar',
            name: 'observed',
            data: panel.items.map((i) => i.observed),
            itemStyle: { color: BLUE },
          },
          {
            type: 'bar',
            name: 'unobserved',
            data: panel.items.map((i) => i.unobserved),
            itemStyle: { color: ACCENT },
          },
        ],
      };
  }
}

export default function EvidenceChart({ panel }: { panel: EvidencePanel }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chart.setOption(option(panel));
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(ref.current);
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [panel]);
  return (
    <figure className="chart">
      <figcaption>{panel.title}</figcaption>
      <div ref={ref} className="chart-canvas" role="img" aria-label={panel.title} data-chart={panel.type} />
    </figure>
  );
}
