/**
 * The bench's child processes (servers under test and fake platforms): forked under tsx with the
 * service's node options, ready when they print `READY <value>`, their JSON log lines counted by
 * level and event, asked for figures over IPC, and stopped (killed if they do not stop in 10 s).
 * Shared by bench/slack.ts and bench/teams.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { SERVICE_NODE_OPTIONS } from './support.js';

export interface Child { process: ChildProcess; ready: string; logs: Map<string, number>; otherOutput: string[] }

/** Forks a bench process (under tsx, with the service's node options) and waits for its READY line. */
export async function start(script: string, args: string[]): Promise<Child> {
  // BENCH_PROFILE=1 writes a CPU profile of each server process to .bench/profiles (open in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE && script.endsWith('server.ts') ? ['--cpu-prof', '--cpu-prof-dir=.bench/profiles'] : [];
  const child = fork(script, args, { execArgv: [...SERVICE_NODE_OPTIONS, '--import', 'tsx', ...profile], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const logs = new Map<string, number>();
  const otherOutput: string[] = [];
  // The service logs one JSON line per event: counted by event, so a flood of warnings shows as a number.
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    let event: string | undefined;
    try {
      const parsed = JSON.parse(line) as { level?: string; event?: string };
      event = `${parsed.level}:${parsed.event}`;
    } catch { /* not a log line */ }
    if (event) logs.set(event, (logs.get(event) ?? 0) + 1);
    else if (otherOutput.length < 20) otherOutput.push(line);
  });
  const ready = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${otherOutput.join('\n')}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line.slice(6));
    });
  });
  child.removeAllListeners('exit');
  return { process: child, ready, logs, otherOutput };
}

/** Sends `message` and resolves with the child's answer; rejects if the child dies first, rather than waiting for ever. */
export function ask<T>(child: Child, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const died = (code: number | null) => reject(new Error(`a bench process exited (${code}) while asked "${message}":\n${child.otherOutput.join('\n')}`));
    child.process.once('exit', died);
    child.process.once('message', (reply) => {
      child.process.off('exit', died);
      resolve(reply as T);
    });
    child.process.send(message);
  });
}

export function stop(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
    child.process.once('exit', () => { clearTimeout(timer); resolve(); });
    child.process.send('stop');
  });
}
