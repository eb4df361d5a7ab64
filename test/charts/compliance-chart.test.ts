/**
 * The weekly chart is a PNG of a fixed size, drawn with the bundled DejaVu Sans only (system fonts
 * are never loaded). The PNG is decoded here from its bytes (signature, IHDR, the inflated pixel
 * rows), not by the library that wrote it, and the title's band must hold dark pixels: text drawn
 * with no usable font would leave it blank.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH, complianceChartSpec, drawComplianceChart } from '../../src/charts/compliance-chart.js';
import type { LineChartModel } from '../../src/views/report-views.js';

const WEEKS = ['6 Sep', '13 Sep', '20 Sep', '27 Sep', '4 Oct', '11 Oct', '18 Oct', '25 Oct', '1 Nov', '8 Nov', '15 Nov', '22 Nov'];

const MODEL: LineChartModel = {
  title: 'Monitoring compliance by drug group: North CMHT',
  xTitle: 'Week ending', yTitle: 'Tests in date (%)', legendTitle: 'Drug group',
  xOrder: WEEKS, seriesOrder: ['Clozapine', 'Lithium'],
  points: WEEKS.flatMap((x, i) => [
    { x, series: 'Lithium', percent: 60 + i * 3 },
    // Clozapine had nothing to measure in week 5: a gap, not a zero.
    ...(i === 4 ? [] : [{ x, series: 'Clozapine', percent: 95 - i }]),
  ]),
};

interface DecodedPng {
  width: number;
  height: number;
  /** RGBA rows. */
  pixel(x: number, y: number): [number, number, number, number];
}

/** A minimal PNG reader for 8-bit RGBA, non-interlaced images (what resvg writes). */
function decodePng(png: Uint8Array): DecodedPng {
  const bytes = Buffer.from(png);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0, height = 0;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect({ bitDepth: data[8], colourType: data[9], interlace: data[12] }).toEqual({ bitDepth: 8, colourType: 6, interlace: 0 });
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? out[y * stride + x - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      out[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...out.subarray(y * stride + x * 4, y * stride + x * 4 + 4)] as [number, number, number, number] };
}

describe('the compliance chart', () => {
  it('is a declarative spec with y fixed at 0–100 % and the bundled font named', () => {
    const spec = complianceChartSpec(MODEL);
    expect(spec).toMatchObject({
      width: CHART_WIDTH, height: CHART_HEIGHT, config: { font: 'DejaVu Sans' },
      encoding: { y: { field: 'percent', scale: { domain: [0, 100] } }, color: { field: 'series' } },
    });
  });

  it('renders to a PNG of the expected size, with the title drawn in the bundled font', async () => {
    const chart = await drawComplianceChart(MODEL);
    expect([chart.width, chart.height]).toEqual([800, 400]);
    const png = decodePng(chart.png);
    expect([png.width, png.height]).toEqual([800, 400]);
    expect(png.pixel(799, 399)).toEqual([255, 255, 255, 255]);
    // The title sits in the top band, left-aligned after the 12 px padding: text there is dark.
    let dark = 0;
    for (let y = 0; y < 40; y++) for (let x = 0; x < 400; x++) if (png.pixel(x, y)[0] < 128) dark += 1;
    expect(dark).toBeGreaterThan(100);
  });

  it('writes the title, the legend labels and the week labels into the SVG', async () => {
    const { svg } = await drawComplianceChart(MODEL);
    for (const text of [MODEL.title, 'Drug group', 'Lithium', 'Clozapine', 'Week ending', '22 Nov', 'Tests in date (%)']) {
      expect(svg).toContain(text);
    }
    expect(svg).toContain('font-family="DejaVu Sans"');
  });
});
