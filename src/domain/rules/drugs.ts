/**
 * Drug-name resolution: turns what a clinician or an import writes ("Priadel 400mg modified-release
 * tablets", "ELIQUIS", "lithium carbonate") into a register drug key and the rule that monitors it.
 *
 * Matching is deliberately predictable rather than clever, because a wrong match silently puts a
 * patient on the wrong schedule:
 * - case, Unicode width and runs of whitespace are ignored; nothing else is (no fuzzy spelling);
 * - the name must equal a drug key (underscores may be written as spaces), a generic name/salt or a
 *   brand listed in the rule set;
 * - trailing product text is tolerated only when it starts with a strength ("400mg", "2.5"), a
 *   supplier in brackets, or a form word from FORM_WORDS ("tablets", "modified-release", "patch").
 *   So "Priadel 400mg tablets" resolves, but "lithium orotate" does not (a different substance).
 * The longest listed name wins, so "Cordarone X 200 tablets" matches the brand "Cordarone X".
 */
import type { MonitoringRule, RuleSet } from './schema.js';

export type DrugMatch =
  | { kind: 'monitored'; drug: string; ruleId: string }
  | { kind: 'interacting'; drug: string; group: string };

/** Where a name was declared in the rule set, so a loader can point at the field. */
export interface NameOrigin {
  list: 'rules' | 'interactingDrugs';
  /** Index in `rules` or `interactingDrugs`. */
  index: number;
  /** Index in the rule's `drugs` (monitored drugs only). */
  drugIndex?: number;
  field: 'key' | 'names' | 'brands';
  /** Index in `names` or `brands`. */
  fieldIndex?: number;
  /** The name as written. */
  spelled: string;
  match: DrugMatch;
}

/** One normalised name claimed by two different drugs: the rule set is ambiguous. */
export interface DrugNameConflict {
  name: string;
  first: NameOrigin;
  second: NameOrigin;
}

export interface DrugIndex {
  readonly byName: ReadonlyMap<string, DrugMatch>;
  readonly conflicts: readonly DrugNameConflict[];
}

/** Words that may follow a drug name in a product description without changing the substance. */
const FORM_WORDS = new Set([
  'tablet', 'tablets', 'tab', 'tabs', 'capsule', 'capsules', 'caps', 'caplets', 'oral', 'solution', 'suspension', 'liquid', 'syrup',
  'drops', 'granules', 'sachet', 'sachets', 'powder', 'injection', 'infusion', 'ampoule', 'ampoules', 'vial', 'vials', 'pre-filled',
  'prefilled', 'syringe', 'syringes', 'pen', 'pens', 'depot', 'modified-release', 'prolonged-release', 'extended-release',
  'gastro-resistant', 'm/r', 'mr', 'sr', 'xl', 'xr', 'la', 'cr', 'ec', 'e/c', 'orodispersible', 'dispersible', 'soluble',
  'effervescent', 'chewable', 'film-coated', 'sugar-free', 's/f', 'sf', 'patch', 'patches', 'transdermal', 'suppositories',
  'forte', 'conc', 'concentrate',
]);

/** Lower-case, NFKC, trimmed, single spaces: the form every name is compared in. */
export function normaliseDrugName(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

function startsDoseOrForm(token: string): boolean {
  return /^[\d.(]/.test(token) || FORM_WORDS.has(token);
}

function sameDrug(a: DrugMatch, b: DrugMatch): boolean {
  return a.kind === b.kind && a.drug === b.drug;
}

/**
 * Indexes every key, generic name and brand. A name that two different drugs claim is recorded as a
 * conflict (the loader rejects such a rule set) and keeps its first owner here.
 */
export function buildDrugIndex(ruleSet: Pick<RuleSet, 'rules' | 'interactingDrugs'>): DrugIndex {
  const byName = new Map<string, DrugMatch>();
  const origins = new Map<string, NameOrigin>();
  const conflicts: DrugNameConflict[] = [];

  const add = (origin: NameOrigin): void => {
    const forms = [normaliseDrugName(origin.spelled)];
    // A key such as "sodium_valproate" may also be written "sodium valproate".
    if (origin.field === 'key' && forms[0]!.includes('_')) forms.push(forms[0]!.replace(/_/g, ' '));
    for (const name of forms) {
      const existing = origins.get(name);
      if (existing === undefined) {
        origins.set(name, origin);
        byName.set(name, origin.match);
      } else if (!sameDrug(existing.match, origin.match)) {
        conflicts.push({ name, first: existing, second: origin });
      }
    }
  };

  ruleSet.rules.forEach((rule, index) => {
    rule.drugs.forEach((drug, drugIndex) => {
      const match: DrugMatch = { kind: 'monitored', drug: drug.key, ruleId: rule.id };
      add({ list: 'rules', index, drugIndex, field: 'key', spelled: drug.key, match });
      drug.names.forEach((spelled, fieldIndex) => add({ list: 'rules', index, drugIndex, field: 'names', fieldIndex, spelled, match }));
      drug.brands.forEach((spelled, fieldIndex) => add({ list: 'rules', index, drugIndex, field: 'brands', fieldIndex, spelled, match }));
    });
  });
  ruleSet.interactingDrugs.forEach((drug, index) => {
    const match: DrugMatch = { kind: 'interacting', drug: drug.key, group: drug.group };
    add({ list: 'interactingDrugs', index, field: 'key', spelled: drug.key, match });
    drug.names.forEach((spelled, fieldIndex) => add({ list: 'interactingDrugs', index, field: 'names', fieldIndex, spelled, match }));
    drug.brands.forEach((spelled, fieldIndex) => add({ list: 'interactingDrugs', index, field: 'brands', fieldIndex, spelled, match }));
  });
  return { byName, conflicts };
}

/**
 * The drug a written name refers to, or null when the rule set does not know it. Commas are read
 * as spaces so "Priadel, 400mg" behaves like "Priadel 400mg".
 */
export function resolveDrug(index: DrugIndex, name: string): DrugMatch | null {
  const tokens = normaliseDrugName(name.replace(/[,;]/g, ' ')).split(' ').filter((t) => t !== '');
  for (let k = tokens.length; k >= 1; k--) {
    const match = index.byName.get(tokens.slice(0, k).join(' '));
    if (match && (k === tokens.length || startsDoseOrForm(tokens[k]!))) return match;
  }
  return null;
}

/** The rule that monitors a register drug key (exact key, case-insensitive), or null. */
export function ruleForDrug(ruleSet: Pick<RuleSet, 'rules'>, drugKey: string): MonitoringRule | null {
  const key = drugKey.trim().toLowerCase();
  return ruleSet.rules.find((rule) => rule.drugs.some((drug) => drug.key === key)) ?? null;
}
