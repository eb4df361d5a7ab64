/**
 * The weekly digest's chart: compliance by drug group over the last 12 weeks, as a PNG drawn on
 * the server. The chart is a declarative vega-lite spec; vega-lite compiles it to a vega spec,
 * vega lays it out headless (renderer "none") and writes SVG, and resvg rasterises the SVG.
 *
 * Fonts: resvg is given only the DejaVu Sans file shipped in node_modules (dejavu-fonts-ttf), and
 * never the system's fonts, so the chart looks the same on a laptop, in CI and in a slim
 * container with no fonts at all, and the spec names the same family so vega measures text for
 * it. The file is resolved from this module, not the working directory, so any cwd works.
 *
 * The words (title, axis titles, series names, week labels) come from the views
 * (complianceChartModel in src/views/report-views.ts); this module only draws.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LineChartModel } from '../views/report-views.js';

export type { LineChartModel } from '../views/report-views.js';

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;
export const CHART_FONT_FAMILY = 'DejaVu Sans';

/** The bundled font file, found from this module so it does not depend on the working directory. */
export const CHART_FONT_FILE = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');

export interface ChartImage {
  png: Uint8Array;
  width: number;
  height: number;
  svg: string;
}

/** The vega-lite spec: lines with points, y fixed at 0–100 %, at a fixed size. */
export function complianceChartSpec(model: LineChartModel): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    // "fit" with padding included: the whole image, axes and legend too, is exactly width × height.
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    title: { text: model.title, fontSize: 16, anchor: 'start' },
    data: { values: model.points },
    mark: { type: 'line', point: { size: 40 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: model.xOrder, title: model.xTitle, axis: { labelAngle: 0 } },
      y: {
        field: 'percent', type: 'quantitative', title: model.yTitle,
        scale: { domain: [0, 100], nice: false }, axis: { values: [0, 20, 40, 60, 80, 100] },
      },
      color: { field: 'series', type: 'nominal', title: model.legendTitle, sort: model.seriesOrder },
    },
    config: { font: CHART_FONT_FAMILY },
  };
}

/** Draws the chart: vega-lite → vega (headless) → SVG → PNG with the bundled font only. */
export async function drawComplianceChart(model: LineChartModel): Promise<ChartImage> {
  const { spec } = compile(complianceChartSpec(model));
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const rendered = new Resvg(svg, {
      font: { loadSystemFonts: false, fontFiles: [CHART_FONT_FILE], defaultFontFamily: CHART_FONT_FAMILY },
      fitTo: { mode: 'zoom', value: 1 },
    }).render();
    return { png: new Uint8Array(rendered.asPng()), width: rendered.width, height: rendered.height, svg };
  } finally {
    view.finalize();
  }
}
