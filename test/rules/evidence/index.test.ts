import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileRules, evaluateRules } from '../../../src/rules/engine.js';
import {
  checkEvidenceReference,
  commandLineFromEnv,
  createEvidenceSource,
  EVIDENCE,
  EVIDENCE_BY_NAME,
  familiesFor,
} from '../../../src/rules/evidence/index.js';
import { NO_PROCESS_INFO } from '../../../src/rules/evidence/types.js';
import { computeFacts } from '../../../src/rules/facts/index.js';
import { parseRulesText, type RuleSpec } from '../../../src/rules/schema.js';
import { historyOf, snap, socket, states } from '../helpers.js';

const SHIPPED = path.resolve(import.meta.dirname, '../../../rules');

function specs(rules: unknown[], extra: Record<string, unknown> = {}): RuleSpec[] {
  const r = parseRulesText(JSON.stringify({ rules, ...extra }), 't.json');
  if (!r.ok) throw new Error(r.issues.map((i) => i.reason).join('; '));
  return r.value.rules;
}

function problems(rule: Record<string, unknown>): string[] {
  const r = parseRulesText(JSON.stringify({ rules: [{ name: 'r', severity: 'warning', description: '', ...rule }] }), 't.json');
  return r.ok ? [] : r.issues.map((i) => i.reason);
}

const shipped = (file: string): RuleSpec[] => {
  const r = parseRulesText(readFileSync(path.join(SHIPPED, file), 'utf8'), file);
  if (!r.ok) throw new Error('shipped rules invalid');
  return r.value.rules;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('which rules get which evidence', () => {
  it('gives every shipped rule the evidence of its family', () => {
    const byRule = Object.fromEntries(
      ['conntrack.json', 'tcp.json', 'udp.json', 'listeners.json', 'interfaces.json', 'routes.json', 'firewall.json']
        .flatMap(shipped)
        .map((r) => [r.name, familiesFor(r).map((f) => f.name)]),
    );
    expect(byRule).toEqual({
      'conntrack-table-high': ['conntrack'],
      'conntrack-table-critical': ['conntrack'],
      'close-wait-growing': ['closeWait'],
      'time-wait-port-pressure': ['timeWait'],
      'ephemeral-ports-high': ['ephemeralPorts'],
      'tcp-retransmits-high': ['retransmits'],
      'listen-queue-overflow': ['listenQueues'],
      'listen-queue-overflow-critical': ['listenQueues'],
      'connection-spike': ['established'],
      'udp-buffer-errors': ['udpBuffers'],
      'unexpected-listener': ['process'],
      'new-listener': ['process'],
      'interface-errors': ['interface'],
      'default-gateway-changed': ['defaultGateway'],
      'routing-table-changed': ['routes'],
      'firewall-ruleset-changed': [],
    });
  });

  it('counts a tcp.states path as reading that state', () => {
    const [rule] = specs([
      { name: 'cw', severity: 'warning', description: '', conditions: { all: [{ fact: 'tcp.states', path: '$.close_wait', operator: 'greaterThan', value: 500 }] }, message: 'x' },
    ]);
    expect(familiesFor(rule!).map((f) => f.name)).toEqual(['closeWait']);
  });

  it('rejects evidence placeholders that the rule does not get, naming the problem', () => {
    const conditions = { all: [{ fact: 'conntrack.usagePercent', operator: 'greaterThan', value: 80 }] };
    expect(problems({ conditions, message: '{{evidence.conntrack.count}} of {{evidence.conntrack.max}}' })).toEqual([]);
    expect(problems({ conditions, message: '{{evidence.closeWait.topProcesses}}' })).toEqual([
      'rules[0].message: {{evidence.closeWait.topProcesses}}: evidence.closeWait comes only with rules that read `tcp.closeWait.*`, `tcp.states` `$.close_wait`',
    ]);
    expect(problems({ conditions, message: '{{evidence.conntrack.nope}}' })[0]).toMatch(/evidence.conntrack has no field "nope" \(count, max, usagePercent\)/);
    expect(problems({ conditions, message: '{{evidence.bogus.x}}' })[0]).toMatch(/unknown evidence "bogus"/);
    expect(problems({ conditions, message: '{{evidence}}' })[0]).toMatch(/unknown evidence ""/);
    expect(checkEvidenceReference(['conntrack', 'count'], { each: null, facts: new Set(['conntrack.usagePercent']), refs: [] })).toBeNull();
  });

  it('accepts evidence settings in a rules file and merges them: any file turning command lines off wins', () => {
    const on = parseRulesText('{ "evidence": { "commandLine": true } }', 'a.json');
    const off = parseRulesText('{ "evidence": { "commandLine": false, "comment": "no secrets in logs" } }', 'b.json');
    expect(on.ok && off.ok).toBe(true);
    if (!on.ok || !off.ok) return;
    expect(compileRules([], [], [on.value.evidence!]).evidence.commandLine).toBe(true);
    expect(compileRules([], [], [on.value.evidence!, off.value.evidence!]).evidence.commandLine).toBe(false);
    expect(compileRules([], []).evidence.commandLine).toBe(true);
    const bad = parseRulesText('{ "evidence": { "cmdline": false } }', 'c.json');
    expect(bad.ok).toBe(false);
  });

  it('reads NETSTAT_OTEL_EVIDENCE_CMDLINE', () => {
    expect(commandLineFromEnv({})).toBe(true);
    expect(commandLineFromEnv({ NETSTAT_OTEL_EVIDENCE_CMDLINE: '1' })).toBe(true);
    for (const off of ['0', 'false', 'OFF', ' no ']) expect(commandLineFromEnv({ NETSTAT_OTEL_EVIDENCE_CMDLINE: off })).toBe(false);
  });
});

describe('evidence in evaluation', () => {
  const closeWaitRule = {
    name: 'cw',
    severity: 'warning',
    description: '',
    conditions: { all: [{ fact: 'tcp.states', path: '$.close_wait', operator: 'greaterThan', value: 2 }] },
    message: '{{tcp.states.close_wait}} held by {{evidence.closeWait.topProcesses}}',
  };
  const h = historyOf([
    snap(0, {
      sockets: [socket({ state: 'close_wait', pid: 9, process: 'java' }), socket({ state: 'close_wait', pid: 9, process: 'java', localPort: 40001 }), socket({ state: 'close_wait', pid: null, process: null, localPort: 40002 })],
      tcp: states({ close_wait: 3 }),
    }),
  ]);

  async function evaluate(wanted: boolean) {
    const compiled = compileRules(specs([closeWaitRule]), []);
    const facts = computeFacts(h, { allowlist: compiled.allowlist }, compiled.facts.all);
    const source = createEvidenceSource({ history: h, processes: NO_PROCESS_INFO, commandLine: true, wanted: () => wanted });
    return evaluateRules(compiled, facts, 'all', source);
  }

  it('renders and attaches evidence for an alert that fires', async () => {
    const { instances } = await evaluate(true);
    expect(instances[0]?.message).toBe('3 held by 9/java (2), unknown (1)');
    expect(instances[0]?.attributes['netstat.evidence.close_wait.top_processes']).toEqual(['9/java=2', 'unknown=1']);
  });

  it('computes nothing for an alert that does not fire yet', async () => {
    const compute = vi.spyOn(EVIDENCE_BY_NAME.get('closeWait')!, 'compute');
    const { instances } = await evaluate(false);
    expect(compute).not.toHaveBeenCalled();
    expect(instances[0]?.message).toBe('3 held by ?');
    expect(Object.keys(instances[0]?.attributes ?? {}).filter((k) => k.startsWith('netstat.evidence'))).toEqual([]);
  });

  it('computes a family once per evaluation however many rules share it', () => {
    const compute = vi.spyOn(EVIDENCE_BY_NAME.get('listenQueues')!, 'compute');
    const source = createEvidenceSource({ history: h, processes: NO_PROCESS_INFO, commandLine: true, wanted: () => true });
    const [warning, critical] = shipped('tcp.json').filter((r) => r.name.startsWith('listen-queue-overflow'));
    source.collect(warning!, null);
    source.collect(critical!, null);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('still sends the alert when a family throws, without that evidence, and says so', async () => {
    vi.spyOn(EVIDENCE_BY_NAME.get('closeWait')!, 'compute').mockImplementation(() => {
      throw new Error('boom');
    });
    const errors: string[] = [];
    const compiled = compileRules(specs([closeWaitRule]), []);
    const facts = computeFacts(h, { allowlist: compiled.allowlist }, compiled.facts.all);
    const source = createEvidenceSource({ history: h, processes: NO_PROCESS_INFO, commandLine: true, wanted: () => true, onError: (f, e) => errors.push(`${f}: ${e.message}`) });
    const { instances } = await evaluateRules(compiled, facts, 'all', source);
    expect(instances.map((i) => i.message)).toEqual(['3 held by ?']);
    expect(errors).toEqual(['closeWait: boom']);
  });

  it('documents every family with at least one field', () => {
    for (const f of EVIDENCE) expect(f.fields.length).toBeGreaterThan(0);
  });
});
