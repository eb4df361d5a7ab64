/**
 * The ReportReader port on the database: team names for choosing a team, and a team's last
 * complete week or month (src/reports/period-report.ts). The weekly chart is drawn and stored only
 * when the service has a public address (PUBLIC_BASE_URL) at which a chat platform can fetch it;
 * its PNG is not returned, because a reply may be kept as a delivery receipt.
 */
import { sql } from 'drizzle-orm';
import type { ReportReader } from '../app/ports.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { todayIn } from '../domain/dates.js';
import { lastCompletePeriod } from '../domain/digest/metrics.js';
import { drawAndStoreChart } from '../reports/digest-report.js';
import { loadPeriodReport } from '../reports/period-report.js';

export interface ReportStoreOptions {
  /** PUBLIC_BASE_URL; without it chat replies carry no chart. */
  publicBaseUrl?: string;
}

export function sqlReports(db: Database, options: ReportStoreOptions = {}): ReportReader {
  return {
    async teams(teamIds) {
      if (teamIds.length === 0) return [];
      const rows = rowsOf<{ id: string; name: string }>(await db.execute(sql`SELECT id, name FROM teams
        WHERE id = ANY(${`{${teamIds.join(',')}}`}::uuid[]) ORDER BY name`));
      return rows.map((r) => ({ teamId: r.id, teamName: r.name }));
    },
    async lastPeriod({ teamId, kind, now, ruleSet }) {
      const [team] = rowsOf<{ time_zone: string }>(await db.execute(sql`SELECT time_zone FROM teams WHERE id = ${teamId}::uuid`));
      if (!team) return null;
      const period = lastCompletePeriod(kind, todayIn(team.time_zone, now));
      const loaded = await loadPeriodReport(db, { teamId, kind, periodStart: period.start, now, ruleSet });
      if (!loaded.ok) return null;
      const report = loaded.value;
      if (kind !== 'weekly' || !options.publicBaseUrl) return { report, chart: null };
      const { token, width, height, url } = await drawAndStoreChart(db, report, now, options.publicBaseUrl);
      return { report, chart: { token, width, height, ...(url ? { url } : {}) } };
    },
  };
}
