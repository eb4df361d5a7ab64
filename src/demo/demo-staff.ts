/**
 * Fictional staff for the demo register, one per role that matters in the loop, so the console
 * works on first start: `npx closedloop console --as demo.pharmacist@example.invalid`.
 * The .invalid domain can never be a real mailbox.
 */
export const DEMO_STAFF = [
  { name: 'Demo Technician', email: 'demo.technician@example.invalid', roles: ['technician'] },
  { name: 'Demo Pharmacist', email: 'demo.pharmacist@example.invalid', roles: ['pharmacist'] },
  { name: 'Demo Prescriber', email: 'demo.prescriber@example.invalid', roles: ['prescriber'] },
  { name: 'Demo Duty Lead', email: 'demo.dutylead@example.invalid', roles: ['duty_lead', 'nurse'] },
  { name: 'Demo Manager', email: 'demo.manager@example.invalid', roles: ['manager'] },
  { name: 'Demo Admin', email: 'demo.admin@example.invalid', roles: ['admin'] },
] as const;

/** staff.csv for the demo: everyone is in both demo teams. */
export function demoStaffCsv(teams: readonly string[]): string {
  const rows = DEMO_STAFF.map((s) => [s.name, s.email, s.roles.join(';'), teams.join(';')].map((cell) => `"${cell}"`).join(','));
  return ['name,email,roles,teams', ...rows, ''].join('\n');
}
