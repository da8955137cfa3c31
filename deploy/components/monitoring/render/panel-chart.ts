import * as echarts from 'echarts';

// Server-side echarts measures text without a canvas; DejaVu Sans (what resvg draws with here) averages about
// 0.6 em per character, so legends and labels are spaced for the font they are drawn in.
echarts.setPlatformAPI({
  measureText: (text: string, font?: string) => {
    const size = Number(/(\d+)px/.exec(font ?? '')?.[1] ?? 12);
    return { width: text.length * size * 0.6 };
  },
});

/** One series of a Prometheus range query: its legend and [unix seconds, value] points. */
export interface PanelSeries {
  name: string;
  points: [number, number | null][];
}

export interface PanelData {
  title: string;
  unit: string;
  stacked: boolean;
  series: PanelSeries[];
}

const PALETTE = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#fade2a'];

function formatter(unit: string): (v: number) => string {
  const si = (v: number, base: number, suffixes: string[]) => {
    let i = 0;
    let x = v;
    while (Math.abs(x) >= base && i < suffixes.length - 1) {
      x /= base;
      i++;
    }
    return `${Number(x.toPrecision(3))}${suffixes[i]}`;
  };
  switch (unit) {
    case 's':
      return (v) =>
        v === 0 ? '0' : v < 1 ? `${Number((v * 1000).toPrecision(3))} ms` : `${Number(v.toPrecision(3))} s`;
    case 'bytes':
      return (v) => si(v, 1024, [' B', ' KiB', ' MiB', ' GiB']);
    case 'reqps':
      return (v) => `${Number(v.toPrecision(3))}/s`;
    default:
      return (v) => si(v, 1000, ['', 'k', 'M']);
  }
}

/** How many lines the legend wraps to (11 px text, 14 px marker, 10 px gap per item), so the plot leaves room. */
function legendLines(series: PanelSeries[], width: number): number {
  let lines = 1;
  let used = 0;
  for (const s of series) {
    const item = s.name.length * 11 * 0.6 + 14 + 5 + 10;
    if (used > 0 && used + item > width - 20) {
      lines++;
      used = 0;
    }
    used += item;
  }
  return lines;
}

/** A Grafana-like dark time-series panel as an SVG string (echarts' server-side renderer). */
export function panelSvg(panel: PanelData, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  const format = formatter(panel.unit);
  chart.setOption({
    animation: false,
    backgroundColor: '#181b1f',
    color: PALETTE,
    title: { text: panel.title, left: 10, top: 8, textStyle: { color: '#ccccdc', fontSize: 14, fontWeight: 500 } },
    grid: { left: 70, right: 16, top: 40, bottom: 36 + 16 * legendLines(panel.series, width) },
    legend: {
      bottom: 6,
      left: 10,
      itemWidth: 14,
      itemHeight: 4,
      textStyle: { color: '#ccccdc', fontSize: 11 },
      data: panel.series.map((s) => s.name),
    },
    xAxis: {
      type: 'time',
      axisLabel: {
        color: '#9fa7b3',
        fontSize: 10,
        formatter: (t: number) => new Date(t).toISOString().slice(11, 16),
      },
      axisLine: { lineStyle: { color: '#2c3235' } },
      splitLine: { show: true, lineStyle: { color: '#2c3235' } },
    },
    yAxis: {
      type: 'value',
      min: 0,
      axisLabel: { color: '#9fa7b3', fontSize: 10, formatter: format },
      splitLine: { lineStyle: { color: '#2c3235' } },
    },
    series: panel.series.map((s) => ({
      name: s.name,
      type: 'line',
      showSymbol: false,
      connectNulls: false,
      lineStyle: { width: 1.5 },
      areaStyle: { opacity: panel.stacked ? 0.35 : 0.08 },
      ...(panel.stacked ? { stack: 'total' } : {}),
      data: s.points.map(([t, v]) => [t * 1000, v]),
    })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
