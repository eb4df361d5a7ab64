/**
 * `npm start`: opens the database (embedded PGlite unless DATABASE_URL is set), applies
 * migrations, loads and records the rule set, seeds the fictional demo register into an empty
 * database, and serves HTTP: `/healthz`, `/slack/events` when Slack is configured, and `/api/messages`
 * when Teams is. The
 * delivery worker sends what the outbox holds (channel posts, message updates), and the scheduler
 * queues digests and runs escalation sweeps (docs/digests.md).
 *
 * This is a composition root: the one place (with the CLI) that imports adapters.
 */
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/app.js';
import { loadSlackConfig } from '../adapters/slack/config.js';
import { createTeamsAdapter, type TeamsBot } from '../adapters/teams/app.js';
import { loadTeamsConfig } from '../adapters/teams/config.js';
import { createCore } from './create-core.js';
import type { Deliverer } from './delivery/ports.js';
import { createOutboxWorker } from './delivery/worker.js';
import { DataDirError, prepareDataDir } from './config/data-dir.js';
import { loadConfig } from './config/env.js';
import { loadScheduleConfig } from './config/schedule.js';
import { DatabaseConnectionError, DatabaseLockedError, openDatabase } from './db/client.js';
import { todayIn } from './domain/dates.js';
import { loadRuleSet } from './rules/load.js';
import { DEMO_STAFF } from './demo/demo-staff.js';
import { registerIsEmpty, seedDemoRegister, seedDemoStaffAndActions } from './demo/seed.js';
import { createLogger } from './logging/logger.js';
import { recordRuleSetVersion } from './register/rule-set-versions.js';
import { runMorningSync, syncNewlyOnboardedTeams } from './schedule/scheduled-sync.js';
import { createScheduler } from './schedule/scheduler.js';
import { createHttpServer, listen, ListenError, type RouteHandler } from './server/http.js';
import { createConversationStore } from './stores/conversations.js';

async function main(): Promise<number> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    console.error(loaded.message);
    return 1;
  }
  const config = loaded.config;
  const logger = createLogger(config.logLevel);
  const slackConfig = loadSlackConfig(process.env);
  if (!slackConfig.ok) {
    console.error(slackConfig.message);
    return 1;
  }
  const teamsConfig = loadTeamsConfig(process.env);
  if (!teamsConfig.ok) {
    console.error(teamsConfig.message);
    return 1;
  }
  const scheduleConfig = loadScheduleConfig(process.env);
  if (!scheduleConfig.ok) {
    console.error(scheduleConfig.message);
    return 1;
  }

  const rules = loadRuleSet({ overridePath: config.rulesFile });
  if (!rules.ok) {
    console.error(`${rules.message}\nFix the file named in RULES_FILE, or unset RULES_FILE to use the default rules.`);
    return 1;
  }

  let handle;
  try {
    console.log(config.databaseUrl ? 'Connecting to PostgreSQL…' : `Opening the embedded database in ${config.dataDir} (the first start takes a few seconds)…`);
    if (!config.databaseUrl) prepareDataDir(config.dataDir);
    handle = await openDatabase({
      url: config.databaseUrl, ownerUrl: config.databaseOwnerUrl, dataDir: config.dataDir,
      log: (msg) => logger.info('database', { msg }),
      // The one-role warning is for whoever runs the service, not only for the log.
      warn: (msg) => {
        console.warn(`WARNING: ${msg}`);
        logger.warn('database_roles', { msg });
      },
    });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    // A locked directory or an unreachable server is a configuration problem the message explains.
    if (!(err instanceof DatabaseLockedError || err instanceof DatabaseConnectionError || err instanceof DataDirError)) logger.unexpected(err, { phase: 'open_database' });
    return 1;
  }
  const { db } = handle;
  await recordRuleSetVersion(db, rules.ruleSet, rules.hash);

  if (config.demoData && await registerIsEmpty(db)) {
    const today = todayIn('Europe/London', new Date());
    const seeded = await seedDemoRegister(db, rules.ruleSet, today);
    if (seeded.ok) console.log(`Loaded the fictional demo register: ${seeded.value.patients} patients, ${seeded.value.events} events (DEMO_DATA=false to start empty).`);
    else console.error(`Could not load the demo register: ${seeded.message}`);
    const actions = await seedDemoStaffAndActions(db, rules.ruleSet, { today, now: new Date(), config: config.workflow });
    if (actions.ok) console.log(`Added ${DEMO_STAFF.length} fictional demo staff and ${actions.value.createdTotal} actions for them to work.`);
    else console.error(`Could not load the demo staff: ${actions.message}`);
  }

  // The worker is created first so the core can wake it the moment a change queues a post.
  let slack: SlackAdapter | null = null;
  const deliverers: Deliverer[] = [];
  let kick = () => {};
  const core = createCore({
    db, ruleSet: rules.ruleSet, workflow: config.workflow, logger, now: () => new Date(), afterChange: () => kick(),
    ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
  });
  if (slackConfig.config) {
    slack = createSlackAdapter({ core, config: slackConfig.config, logger });
    deliverers.push(slack.deliverer);
  }
  let teams: TeamsBot | null = null;
  if (teamsConfig.config) {
    teams = createTeamsAdapter({ core, config: teamsConfig.config, logger, conversations: createConversationStore(db) });
    deliverers.push(teams.deliverer);
  }
  const worker = createOutboxWorker({
    db, deliverers, logger, maxAttempts: config.outboxMaxAttempts,
    render: { ruleSet: rules.ruleSet, ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}) },
  });
  kick = () => worker.kick();
  const scheduler = scheduleConfig.value.enabled
    ? createScheduler({
      db, logger, kick: () => worker.kick(), sweepIntervalMinutes: scheduleConfig.value.sweepIntervalMinutes,
      tickFile: scheduleConfig.value.tickFile,
      onboardingSync: () => syncNewlyOnboardedTeams(db, rules.ruleSet, config.workflow, new Date()),
      ...(scheduleConfig.value.dailySyncTime
        ? { morningSync: () => runMorningSync(db, rules.ruleSet, config.workflow, scheduleConfig.value.dailySyncTime!, new Date()) }
        : {}),
    })
    : null;

  const server = createHttpServer(db, { driver: handle.driver, rulesVersion: rules.ruleSet.version, startedAt: new Date() }, logger, [
    ...(slack?.route ? [slack.route] : []), ...(teams ? [teams.route] : []),
  ] satisfies RouteHandler[]);
  let port: number;
  try {
    ({ port } = await listen(server, config.port, config.host));
  } catch (err) {
    // A port in use or a host that is not this machine's: the message names PORT or HOST.
    console.error(err instanceof ListenError ? err.message : String(err));
    if (!(err instanceof ListenError)) logger.unexpected(err, { phase: 'listen' });
    await handle.close();
    return 1;
  }
  if (slack) await slack.start();
  worker.start();
  // After the worker, so what the first tick queues goes out at once.
  scheduler?.start();
  const schedulerLine = await describeScheduler(scheduler, scheduleConfig.value.sweepIntervalMinutes);
  console.log([
    `closedloop is running: http://${config.host}:${port}/healthz`,
    `  database: ${handle.describe}`,
    `  rules:    ${rules.ruleSet.version}${rules.ruleSet.signOff ? '' : ' (not yet signed off by a clinical safety officer)'}`,
    '',
    'The register is managed with the CLI (npx closedloop help): due lists, results, imports, rules, staff, sync, audit.',
    '',
    slack
      ? `Slack: ${slack.mode === 'socket' ? 'connected in Socket Mode' : `requests at http://${config.host}:${port}/slack/events (set this URL in the Slack app, behind your HTTPS proxy)`}, command ${slackConfig.config!.command}.`
      : 'Slack is not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; see README "Connect to Slack").',
    teams
      ? `Microsoft Teams: activities at http://${config.host}:${port}/api/messages (the Azure Bot's messaging endpoint, behind your HTTPS proxy).${teams.mode === 'unauthenticated'
        ? '\n  WARNING: TEAMS_UNAUTHENTICATED_LOCAL is on: anyone who can reach /api/messages can act as anyone. Local testing only.' : ''}`
      : 'Microsoft Teams is not configured (set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId).',
    '',
    'Try the whole loop in the terminal console:',
    config.databaseUrl
      ? `  npx closedloop console --as ${DEMO_STAFF[1].email}`
      : `  stop this server (Ctrl+C), then: npx closedloop console --as ${DEMO_STAFF[1].email}\n  (the embedded database allows one process at a time; set DATABASE_URL to share PostgreSQL)`,
    '  then type: help, list overdue, claim A-…, close A-… OUTCOME, audit A-…',
    '',
    schedulerLine,
  ].join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutdown', { signal });
    server.close();
    // The scheduler first: a pass in progress finishes queueing, then the worker delivers what it can.
    await scheduler?.stop();
    // Calls in flight finish and are recorded; what is still queued waits in the outbox for the next start.
    await worker.stop();
    await slack?.stop();
    await core.settle?.();
    await handle.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return 0;
}

/** The start-up line about digests: when the next one is due, or that this process does not schedule. */
async function describeScheduler(scheduler: ReturnType<typeof createScheduler> | null, sweepMinutes: number): Promise<string> {
  if (!scheduler) return 'Scheduler: off (SCHEDULER=off): this process queues no digests and runs no escalation sweeps.';
  const next = await scheduler.nextDailyDigest();
  const when = next
    ? `next daily digest ${next.localDate} ${next.localTime} ${next.timeZone} (${next.teamName}, ${next.at.toISOString().slice(0, 16).replace('T', ' ')}Z)`
    : 'no daily digest scheduled yet (no teams with working days: import a register)';
  return `Scheduler: ${when}; escalation sweeps every ${sweepMinutes} minutes (docs/digests.md).`;
}

const code = await main();
if (code !== 0) process.exit(code);
