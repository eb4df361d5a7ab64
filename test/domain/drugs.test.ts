import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDrugIndex, resolveDrug, ruleForDrug } from '../../src/domain/rules/drugs.js';
import { loadRuleSet } from '../../src/rules/load.js';
import type { RuleSet } from '../../src/domain/rules/schema.js';

const loaded = loadRuleSet();
if (!loaded.ok) throw new Error(loaded.message);
const ruleSet: RuleSet = loaded.ruleSet;
const index = buildDrugIndex(ruleSet);

// [written name, register drug key, rule id]: every drug and brand named in the brief.
const MONITORED: [string, string, string][] = [
  ['methotrexate', 'methotrexate', 'methotrexate'], ['Maxtrex', 'methotrexate', 'methotrexate'], ['Metoject', 'methotrexate', 'methotrexate'],
  ['Nordimet', 'methotrexate', 'methotrexate'], ['Zlatal', 'methotrexate', 'methotrexate'],
  ['azathioprine', 'azathioprine', 'azathioprine'], ['Imuran', 'azathioprine', 'azathioprine'],
  ['sulfasalazine', 'sulfasalazine', 'sulfasalazine'], ['Salazopyrin', 'sulfasalazine', 'sulfasalazine'],
  ['leflunomide', 'leflunomide', 'leflunomide'], ['Arava', 'leflunomide', 'leflunomide'],
  ['mycophenolate mofetil', 'mycophenolate_mofetil', 'mycophenolate'], ['mycophenolic acid', 'mycophenolic_acid', 'mycophenolate'],
  ['CellCept', 'mycophenolate_mofetil', 'mycophenolate'], ['Myfortic', 'mycophenolic_acid', 'mycophenolate'],
  ['lithium', 'lithium', 'lithium'], ['lithium carbonate', 'lithium', 'lithium'], ['lithium citrate', 'lithium', 'lithium'],
  ['Priadel', 'lithium', 'lithium'], ['Camcolit', 'lithium', 'lithium'], ['Liskonum', 'lithium', 'lithium'], ['Li-Liquid', 'lithium', 'lithium'],
  ['amiodarone', 'amiodarone', 'amiodarone'], ['Cordarone X', 'amiodarone', 'amiodarone'],
  ['warfarin', 'warfarin', 'warfarin'], ['Marevan', 'warfarin', 'warfarin'],
  ['apixaban', 'apixaban', 'doac'], ['rivaroxaban', 'rivaroxaban', 'doac'], ['edoxaban', 'edoxaban', 'doac'], ['dabigatran', 'dabigatran', 'doac'],
  ['dabigatran etexilate', 'dabigatran', 'doac'], ['Eliquis', 'apixaban', 'doac'], ['Xarelto', 'rivaroxaban', 'doac'], ['Lixiana', 'edoxaban', 'doac'],
  ['Pradaxa', 'dabigatran', 'doac'],
  ['olanzapine', 'olanzapine', 'antipsychotic'], ['quetiapine', 'quetiapine', 'antipsychotic'], ['risperidone', 'risperidone', 'antipsychotic'],
  ['aripiprazole', 'aripiprazole', 'antipsychotic'], ['haloperidol', 'haloperidol', 'antipsychotic'], ['amisulpride', 'amisulpride', 'antipsychotic'],
  ['paliperidone', 'paliperidone', 'antipsychotic'], ['chlorpromazine', 'chlorpromazine', 'antipsychotic'], ['flupentixol', 'flupentixol', 'antipsychotic'],
  ['zuclopenthixol', 'zuclopenthixol', 'antipsychotic'], ['lurasidone', 'lurasidone', 'antipsychotic'],
  ['Zyprexa', 'olanzapine', 'antipsychotic'], ['Seroquel', 'quetiapine', 'antipsychotic'], ['Risperdal', 'risperidone', 'antipsychotic'],
  ['Abilify', 'aripiprazole', 'antipsychotic'], ['Haldol', 'haloperidol', 'antipsychotic'], ['Solian', 'amisulpride', 'antipsychotic'],
  ['Invega', 'paliperidone', 'antipsychotic'], ['Xeplion', 'paliperidone', 'antipsychotic'], ['Depixol', 'flupentixol', 'antipsychotic'],
  ['Clopixol', 'zuclopenthixol', 'antipsychotic'], ['Latuda', 'lurasidone', 'antipsychotic'],
  ['clozapine', 'clozapine', 'clozapine'], ['Clozaril', 'clozapine', 'clozapine'], ['Zaponex', 'clozapine', 'clozapine'], ['Denzapine', 'clozapine', 'clozapine'],
  ['sodium valproate', 'sodium_valproate', 'valproate'], ['valproic acid', 'valproic_acid', 'valproate'], ['semisodium valproate', 'semisodium_valproate', 'valproate'],
  ['Epilim', 'sodium_valproate', 'valproate'], ['Depakote', 'semisodium_valproate', 'valproate'], ['Episenta', 'sodium_valproate', 'valproate'],
  ['Epival', 'sodium_valproate', 'valproate'], ['Dyzantil', 'sodium_valproate', 'valproate'], ['Convulex', 'valproic_acid', 'valproate'],
  ['morphine', 'morphine', 'opioid_long_term'], ['oxycodone', 'oxycodone', 'opioid_long_term'], ['codeine', 'codeine', 'opioid_long_term'],
  ['dihydrocodeine', 'dihydrocodeine', 'opioid_long_term'], ['tramadol', 'tramadol', 'opioid_long_term'], ['tapentadol', 'tapentadol', 'opioid_long_term'],
  ['buprenorphine', 'buprenorphine', 'opioid_long_term'], ['fentanyl', 'fentanyl', 'opioid_long_term'],
  ['Zomorph', 'morphine', 'opioid_long_term'], ['MST Continus', 'morphine', 'opioid_long_term'], ['OxyContin', 'oxycodone', 'opioid_long_term'],
  ['Shortec', 'oxycodone', 'opioid_long_term'], ['Oxynorm', 'oxycodone', 'opioid_long_term'], ['Zydol', 'tramadol', 'opioid_long_term'],
  ['Palexia', 'tapentadol', 'opioid_long_term'], ['Butrans', 'buprenorphine', 'opioid_long_term'], ['Durogesic', 'fentanyl', 'opioid_long_term'],
  ['gabapentin', 'gabapentin', 'gabapentinoid'], ['Neurontin', 'gabapentin', 'gabapentinoid'], ['pregabalin', 'pregabalin', 'gabapentinoid'],
  ['Lyrica', 'pregabalin', 'gabapentinoid'], ['Alzain', 'pregabalin', 'gabapentinoid'], ['Axalid', 'pregabalin', 'gabapentinoid'],
];

describe('resolveDrug', () => {
  it('has no name claimed by two drugs in the default rule set', () => {
    expect(index.conflicts).toEqual([]);
  });

  it.each(MONITORED)('resolves %s to %s (%s)', (name, drug, ruleId) => {
    expect(resolveDrug(index, name)).toEqual({ kind: 'monitored', drug, ruleId });
  });

  it.each(['PRIADEL', 'priadel', '  Camcolit ', 'LISKONUM', 'clozaril', 'ZAPONEX', 'denzapine', 'ELIQUIS', 'xarelto', 'LiXiAnA', 'pradaxa', 'Lithium  Carbonate'])(
    'is case- and whitespace-insensitive: %s', (name) => {
      expect(resolveDrug(index, name)?.kind).toBe('monitored');
    });

  it('accepts a register key written with spaces or underscores', () => {
    expect(resolveDrug(index, 'sodium_valproate')).toMatchObject({ drug: 'sodium_valproate' });
    expect(resolveDrug(index, 'Mycophenolate_Mofetil')).toMatchObject({ drug: 'mycophenolate_mofetil' });
  });

  it('tolerates trailing strength, form and supplier text', () => {
    expect(resolveDrug(index, 'Priadel 400mg modified-release tablets')).toMatchObject({ drug: 'lithium' });
    expect(resolveDrug(index, 'Lithium carbonate 250mg tablets (Essential Pharma Ltd)')).toMatchObject({ drug: 'lithium' });
    expect(resolveDrug(index, 'Cordarone X 200 tablets')).toMatchObject({ drug: 'amiodarone' });
    expect(resolveDrug(index, 'Seroquel XL 50mg tablets')).toMatchObject({ drug: 'quetiapine' });
    expect(resolveDrug(index, 'Butrans 5micrograms/hour transdermal patches')).toMatchObject({ drug: 'buprenorphine' });
    expect(resolveDrug(index, 'apixaban, 5 mg')).toMatchObject({ drug: 'apixaban' });
  });

  it('does not guess', () => {
    for (const name of ['', '   ', 'lithium orotate', 'Priadelx', 'Prii adel', 'Clopixol Unknown', 'paracetamol', 'apix']) {
      expect(resolveDrug(index, name), name).toBeNull();
    }
  });

  it('resolves interacting drugs with their group', () => {
    expect(resolveDrug(index, 'Ramipril')).toEqual({ kind: 'interacting', drug: 'ramipril', group: 'ACE inhibitor' });
    expect(resolveDrug(index, 'Nurofen 200mg tablets')).toMatchObject({ kind: 'interacting', drug: 'ibuprofen', group: 'NSAID' });
    for (const key of ['lisinopril', 'enalapril', 'perindopril', 'losartan', 'candesartan', 'bendroflumethiazide', 'indapamide', 'furosemide', 'ibuprofen', 'naproxen', 'diclofenac']) {
      expect(resolveDrug(index, key)?.kind, key).toBe('interacting');
    }
  });

  it('reports a name claimed by two drugs', () => {
    const clash = buildDrugIndex({
      rules: ruleSet.rules.filter((r) => r.id === 'lithium'),
      interactingDrugs: [{ key: 'priadel_local', group: 'test', names: [], brands: ['priadel'] }],
    });
    expect(clash.conflicts).toHaveLength(1);
    expect(clash.conflicts[0]).toMatchObject({ name: 'priadel', first: { list: 'rules', field: 'brands' }, second: { list: 'interactingDrugs', field: 'brands' } });
  });
});

describe('ruleForDrug', () => {
  it('finds the rule for a register drug key', () => {
    expect(ruleForDrug(ruleSet, 'apixaban')?.id).toBe('doac');
    expect(ruleForDrug(ruleSet, 'Clozapine')?.id).toBe('clozapine');
    expect(ruleForDrug(ruleSet, 'ramipril')).toBeNull();
    expect(ruleForDrug(ruleSet, 'Priadel')).toBeNull(); // brands resolve through resolveDrug, not here
  });
});

// The shared OpenSAFELY code lists (outside the repository) are a cross-check on drug coverage.
// Copies of the OpenSAFELY lists, with their sources: test/fixtures/codelists/SOURCES.md.
const CODELISTS = new URL('../fixtures/codelists', import.meta.url).pathname;
describe('coverage of the OpenSAFELY code lists', () => {
  const terms = (file: string, column: string) => {
    const [header, ...rows] = readFileSync(`${CODELISTS}/${file}`, 'utf8').trim().split('\n');
    const at = header!.split(',').indexOf(column);
    // Terms with commas are quoted; none of the columns used here precede a quoted field.
    return rows.map((row) => row.split(',')[at]!.replace(/^"|"$/g, ''));
  };

  it('resolves every lithium product in pincer-lith.csv to lithium', () => {
    for (const term of terms('opensafely-pincer-measures/pincer-lith.csv', 'term')) {
      if (term.endsWith('in oral dosage form')) continue; // a SNOMED grouping concept, never prescribed
      expect(resolveDrug(index, term), term).toMatchObject({ drug: 'lithium' });
    }
  });

  it.each([
    ['opensafely-pincer-measures/pincer-met.csv', 'methotrexate', 'term'],
    ['opensafely-open-pathology/opensafely-methotrexate-oral.csv', 'methotrexate', 'term'],
    ['opensafely-pincer-measures/pincer-amio.csv', 'amiodarone', 'term'],
    ['opensafely-anticoagulation/opensafely-warfarin.csv', 'warfarin', 'nm'],
    ['opensafely-anticoagulation/opensafely-direct-acting-oral-anticoagulants-doac.csv', 'doac', 'nm'],
  ])('resolves every product in %s to the %s rule', (file, ruleId, column) => {
    // Grouping concepts ("… in oral dosage form") and retired-VMP placeholders are never prescribed.
    const products = terms(file, column).filter((t) => !/ in (oral|parenteral) dosage form$|^VMP previous to/.test(t));
    const unresolved = products.filter((t) => { const m = resolveDrug(index, t); return m?.kind !== 'monitored' || m.ruleId !== ruleId; });
    expect(unresolved).toEqual([]);
  });

  it('resolves every antipsychotic product to the antipsychotic or clozapine rule', () => {
    const files = [
      'opensafely-antipsychotics/opensafely-first-generation-antipsychotics-excluding-long-acting-depots-dmd.csv',
      'opensafely-antipsychotics/opensafely-second-generation-antipsychotics-excluding-long-acting-injections.csv',
      'opensafely-antipsychotics/opensafely-long-acting-injectable-and-depot-antipsychotics-dmd.csv',
    ];
    const unresolved: string[] = [];
    for (const file of files) {
      for (const term of terms(file, 'dmd_name')) {
        const match = resolveDrug(index, term);
        if (match?.kind !== 'monitored' || !['antipsychotic', 'clozapine'].includes(match.ruleId)) unresolved.push(term);
      }
    }
    // "Generic Seroquel …" packs are the only products named without a leading drug or brand.
    expect(unresolved.filter((t) => !t.startsWith('Generic '))).toEqual([]);
  });
});
