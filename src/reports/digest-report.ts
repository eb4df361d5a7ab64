/**
 * The weekly digest and the monthly summary as a message, ready to post: the figures loaded, the
 * weekly chart drawn and stored (chart_images), and the view built. The outbox renders digest runs
 * through this (src/digests/render-digest.ts), as do `closedloop digest run --print` and, for chat,
 * the ReportReader store.
 */
import type { Queryable } from '../db/database.js';
import type { PeriodReport, ReportChart } from '../domain/digest/metrics.js';
import { complianceChartModel, periodDigestView as buildPeriodView } from '../views/report-views.js';
import type { MessageView } from '../views/model.js';
import { chartImageUrl, storeChart } from '../charts/chart-store.js';
import { loadPeriodReport, type PeriodReportOptions } from './period-report.js';

export interface PeriodDigestOptions extends PeriodReportOptions {
  /** PUBLIC_BASE_URL: the chart's URL is built on it (Teams fetches images by URL). */
  publicBaseUrl?: string;
}

/** Where the service serves a stored chart (src/server/http.ts). */
/**
 * Draws the report's 12-week compliance chart and stores it; returns it with its PNG in memory.
 * vega and resvg are loaded only here, so nothing that never draws a chart pays for loading them.
 */
export async function drawAndStoreChart(db: Queryable, report: PeriodReport, now: Date, publicBaseUrl?: string): Promise<ReportChart & { png: Uint8Array }> {
  const { drawComplianceChart } = await import('../charts/compliance-chart.js');
  const chart = await drawComplianceChart(complianceChartModel(report));
  const token = await storeChart(db, chart, now);
  return { token, width: chart.width, height: chart.height, png: chart.png, ...(publicBaseUrl ? { url: chartImageUrl(publicBaseUrl, token) } : {}) };
}

/** The view of a team's week (with its chart) or month; null when the team no longer exists. */
export async function periodDigestView(db: Queryable, options: PeriodDigestOptions): Promise<MessageView | null> {
  const { publicBaseUrl, ...reportOptions } = options;
  const loaded = await loadPeriodReport(db, reportOptions);
  if (!loaded.ok) return null;
  const report = loaded.value;
  const chart = report.metrics.period.kind === 'weekly' ? await drawAndStoreChart(db, report, options.now, publicBaseUrl) : undefined;
  return buildPeriodView(report, options.now, chart ? { chart } : {});
}
