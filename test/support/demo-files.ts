/** The fictional demo register, events and staff written as the CSV files a user would import. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IsoDate } from '../../src/domain/dates.js';
import { DEMO_TEAMS, demoRegisterCsv } from '../../src/demo/demo-register.js';
import { demoStaffCsv } from '../../src/demo/demo-staff.js';

export interface DemoFiles {
  register: string;
  events: string;
  staff: string;
  remove(): void;
}

export function writeDemoFiles(today: IsoDate): DemoFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-demo-files-'));
  const demo = demoRegisterCsv(today);
  const files = { register: path.join(dir, 'register.csv'), events: path.join(dir, 'events.csv'), staff: path.join(dir, 'staff.csv') };
  fs.writeFileSync(files.register, demo.register);
  fs.writeFileSync(files.events, demo.events);
  fs.writeFileSync(files.staff, demoStaffCsv(DEMO_TEAMS));
  return { ...files, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
