/**
 * The workbook and alert rules in infra/ (no Bicep compiler runs offline): their JSON parses, every metric their
 * queries name is one the app records (the one list, shared/telemetry/metrics.ts), each section and alert the
 * operator needs is there, and infra/main.bicep wires the module with its thresholds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRIC_NAMES, METRICS } from '../../../shared/telemetry/metrics';
import { OUTCOME_MARKER } from '../../../orchestrations/common/record';

const root = path.resolve(__dirname, '../../..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

interface WorkbookItem {
  type: number;
  name: string;
  content: { title?: string; query?: string; json?: string };
}
interface Alert {
  key: string;
  name: string;
  description: string;
  severity: number;
  query: string;
}

const workbook = JSON.parse(read('infra/app/observability/workbook.json')) as { version: string; items: WorkbookItem[] };
const alerts = JSON.parse(read('infra/app/observability/alerts.json')) as Alert[];
const queries = [...workbook.items.flatMap((i) => (i.content.query ? [i.content.query] : [])), ...alerts.map((a) => a.query)];
/** Every `controlplane.*` name a query refers to. */
const namesIn = (query: string): string[] => [...query.matchAll(/'(controlplane\.[a-z0-9_.]+)'/g)].map((m) => m[1] as string);

describe('the Azure Monitor workbook and alert rules (infra/app/observability)', () => {
  it('is a workbook document whose queries name only metrics the app records', () => {
    expect(workbook.version).toBe('Notebook/1.0');
    const named = queries.flatMap(namesIn);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !METRIC_NAMES.includes(n))).toEqual([]);
  });

  it('shows every metric the app records somewhere', () => {
    const named = new Set(queries.flatMap(namesIn));
    expect(METRIC_NAMES.filter((n) => !named.has(n))).toEqual([]);
  });

  it.each([
    ['health', /outcomes by flow/i],
    ['latency', /latency/i],
    ['stuck resources', /stuck/i],
    ['throttling', /throttl/i],
    ['approvals waiting', /approval/i],
    ['stamps out', /stamps/i],
    ['last drift run', /drift.*last run/i],
  ])('has a %s section', (_, title) => {
    expect(workbook.items.some((i) => title.test(i.content.title ?? ''))).toBe(true);
  });

  it('reads the outcome log lines by the marker recordOutcome writes', () => {
    const logQuery = workbook.items.find((i) => i.content.query?.startsWith('traces'))?.content.query ?? '';
    expect(logQuery).toContain(`has '${OUTCOME_MARKER}'`);
  });

  it('has the five alert rules, with placeholders only for the thresholds main.bicep passes', () => {
    expect(alerts.map((a) => a.key).sort()).toEqual(['approvalsWaiting', 'driftFound', 'functionAppFailing', 'notConverged', 'stampEjected']);
    expect(alerts.find((a) => a.key === 'notConverged')?.query).toContain(METRICS.notConverged.name);
    expect(alerts.find((a) => a.key === 'approvalsWaiting')?.query).toContain(METRICS.egressOldestPending.name);
    expect(alerts.find((a) => a.key === 'driftFound')?.query).toContain(METRICS.driftItems.name);
    expect(alerts.find((a) => a.key === 'stampEjected')?.query).toContain(METRICS.stampEjections.name);
    const placeholders = new Set(alerts.flatMap((a) => [...a.query.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1])));
    const module = read('infra/app/observability.bicep');
    for (const p of placeholders) expect(module).toContain(`'{${p}}', thresholds.${p}`);
    for (const a of alerts) expect(a.severity).toBeGreaterThanOrEqual(0);
  });

  it('is deployed by main.bicep with its parameters, and the module loads both files', () => {
    const main = read('infra/main.bicep');
    expect(main).toMatch(/module observability 'app\/observability\.bicep'/);
    for (const p of ['alertNotConvergedMinutes', 'alertApprovalWaitHours', 'alertFunctionFailures', 'alertActionGroupId']) {
      expect(main).toContain(`param ${p} `);
      expect(read('infra/main.parameters.json')).toContain(`"${p}"`);
    }
    const module = read('infra/app/observability.bicep');
    expect(module).toContain("loadTextContent('observability/workbook.json')");
    expect(module).toContain("loadJsonContent('observability/alerts.json')");
    expect(module).toContain("'Microsoft.Insights/workbooks@");
    expect(module).toContain("'Microsoft.Insights/scheduledQueryRules@");
  });
});
