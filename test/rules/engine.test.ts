import { describe, expect, it } from 'vitest';
import { compileRules, evaluateRules, isListenerRule } from '../../src/rules/engine.js';
import { computeFacts } from '../../src/rules/facts/index.js';
import { parseRulesText, type RuleSpec } from '../../src/rules/schema.js';
import { historyOf, listener, snap } from './helpers.js';

function specs(rules: unknown[]): RuleSpec[] {
  const r = parseRulesText(JSON.stringify({ rules }), 't.json');
  if (!r.ok) throw new Error(r.issues.map((i) => i.reason).join('; '));
  return r.value.rules;
}

const conntrack = {
  name: 'ct',
  severity: 'warning',
  description: '',
  conditions: { all: [{ fact: 'conntrack.usagePercent', operator: 'greaterThan', value: 80 }] },
  message: 'ct {{conntrack.usagePercent}}%',
  labels: { team: 'net', 'alert.name': 'spoof' },
};
const unexpected = {
  name: 'unexpected',
  severity: 'critical',
  description: '',
  each: 'listeners.unexpected',
  conditions: { all: [{ fact: 'item', path: '$.port', operator: 'notInPorts', value: ['1-1023'] }] },
  message: '{{item.transport}} {{item.address}}:{{item.port}} by {{item.process}}',
};

describe('evaluateRules', () => {
  it('is a pure step from facts and rules to the alert instances that hold', async () => {
    const compiled = compileRules(specs([conntrack]), []);
    const high = await evaluateRules(compiled, { 'conntrack.usagePercent': 91.256 });
    expect(high.instances).toEqual([
      {
        key: 'ct',
        rule: 'ct',
        severity: 'warning',
        forMs: 0,
        message: 'ct 91.26%',
        attributes: { team: 'net', 'alert.name': 'spoof', 'netstat.fact.conntrack.usagePercent': 91.256 },
      },
    ]);
    expect((await evaluateRules(compiled, { 'conntrack.usagePercent': 50 })).instances).toEqual([]);
    expect((await evaluateRules(compiled, { 'conntrack.usagePercent': null })).instances).toEqual([]);
    // Same input, same output: nothing is remembered between calls.
    expect(await evaluateRules(compiled, { 'conntrack.usagePercent': 91.256 })).toEqual(high);
  });

  it('makes one instance per item of an each rule, keyed by rule and item', async () => {
    const compiled = compileRules(specs([unexpected]), [{ ports: [22] }]);
    const h = historyOf([snap(0, { listeners: [listener(22), listener(80), listener(8080), listener(9090, { transport: 'udp', process: null })] })]);
    const facts = computeFacts(h, { allowlist: compiled.allowlist }, compiled.facts.all);
    const { instances } = await evaluateRules(compiled, facts);
    expect(instances.map((i) => [i.key, i.message])).toEqual([
      ['unexpected|tcp/0.0.0.0/8080', 'tcp 0.0.0.0:8080 by p8080'],
      ['unexpected|udp/0.0.0.0/9090', 'udp 0.0.0.0:9090 by ?'],
    ]);
    expect(instances[0]?.attributes).toEqual({
      'network.transport': 'tcp',
      'network.type': 'ipv4',
      'network.local.address': '0.0.0.0',
      'network.local.port': 8080,
      'process.pid': 8180,
      'process.executable.name': 'p8080',
    });
    expect(instances[1]?.attributes).not.toHaveProperty('process.executable.name');
  });

  it('one alert per key when two sockets share it (SO_REUSEPORT)', async () => {
    const compiled = compileRules(specs([unexpected]), []);
    const items = [listener(8080, { pid: 1 }), listener(8080, { pid: 2 })];
    const { instances } = await evaluateRules(compiled, { 'listeners.unexpected': items });
    expect(instances).toHaveLength(1);
    expect(instances[0]?.attributes['process.pid']).toBe(1);
  });

  it('mixes item and global facts, and supports decorators and custom operators', async () => {
    const rules = specs([
      {
        name: 'busy-iface',
        severity: 'warning',
        description: '',
        each: 'interfaces.errorRate',
        conditions: {
          all: [
            { fact: 'item', path: '$.name', operator: 'notIn', value: ['lo'] },
            { fact: 'item', path: '$.ratio', operator: 'greaterThan', value: 0.01 },
            { fact: 'conntrack.usagePercent', operator: 'lessThan', value: 50 },
          ],
        },
        message: '{{item.name}} {{item.ratio}} ct={{conntrack.usagePercent}}',
      },
      {
        name: 'some-remote-in-net',
        severity: 'warning',
        description: '',
        each: 'outbound.byProcess',
        conditions: { all: [{ fact: 'item', path: '$.remoteCount', operator: 'greaterThanInclusive', value: 2 }] },
        message: '{{item.process}} talks to {{item.remotes}}',
      },
      {
        name: 'cidr',
        severity: 'warning',
        description: '',
        each: 'listeners.unexpected',
        conditions: { all: [{ fact: 'item', path: '$.address', operator: 'notInCidr', value: ['127.0.0.0/8', '::1'] }] },
        message: 'exposed {{item.port}}',
      },
      {
        name: 'some-state',
        severity: 'warning',
        description: '',
        conditions: { any: [{ fact: 'routes.changed', path: '$.added', operator: 'someFact:equal', value: '10.9.0.0/16 dev tun0' }] },
        message: 'vpn route',
      },
    ]);
    const compiled = compileRules(rules, []);
    const { instances, errors } = await evaluateRules(compiled, {
      'conntrack.usagePercent': 10,
      'interfaces.errorRate': [
        { name: 'lo', perSecond: 9, ratio: 0.5 },
        { name: 'eth0', perSecond: 9, ratio: 0.02 },
        { name: 'eth1', perSecond: 0, ratio: null },
      ],
      'outbound.byProcess': [
        { pid: 1, process: 'a', connections: 3, remoteCount: 2, remotes: ['1.1.1.1:53', '8.8.8.8:53'] },
        { pid: 2, process: 'b', connections: 1, remoteCount: 1, remotes: ['1.1.1.1:53'] },
      ],
      'listeners.unexpected': [listener(1, { address: '127.0.0.1' }), listener(2, { address: '::ffff:127.0.0.1' }), listener(3, { address: '10.0.0.1' })],
      'routes.changed': { changed: true, changes: 1, added: ['10.9.0.0/16 dev tun0'], removed: [] },
    });
    expect(errors).toEqual([]);
    expect(instances.map((i) => `${i.key} => ${i.message}`).sort()).toEqual([
      'busy-iface|eth0 => eth0 0.02 ct=10',
      'cidr|tcp/10.0.0.1/3 => exposed 3',
      'some-remote-in-net|1/a => a talks to 1.1.1.1:53, 8.8.8.8:53',
      'some-state => vpn route',
    ]);
    const vpn = instances.find((i) => i.key === 'some-state');
    expect(vpn?.attributes['netstat.fact.routes.changed.added']).toEqual(['10.9.0.0/16 dev tun0']);
  });

  it('separates listener rules (for the fast watch) from the rest', async () => {
    const rules = specs([conntrack, unexpected]);
    expect(rules.map(isListenerRule)).toEqual([false, true]);
    const compiled = compileRules(rules, []);
    expect([...compiled.listenerRules]).toEqual(['unexpected']);
    expect([...compiled.facts.listeners]).toEqual(['listeners.unexpected']);
    const facts = { 'conntrack.usagePercent': 99, 'listeners.unexpected': [listener(4444)] };
    expect((await evaluateRules(compiled, facts, 'listeners')).instances.map((i) => i.rule)).toEqual(['unexpected']);
    expect((await evaluateRules(compiled, facts, 'all')).instances.map((i) => i.rule).sort()).toEqual(['ct', 'unexpected']);
  });

  it('reports an evaluation error instead of throwing, and keeps other groups', async () => {
    const compiled = compileRules(specs([conntrack, unexpected]), []);
    // Sabotage one engine to throw: the global group keeps working.
    const group = compiled.groups.find((g) => g.each !== null);
    (group as unknown as { engine: { run: () => Promise<never> } }).engine.run = () => Promise.reject(new Error('boom'));
    const r = await evaluateRules(compiled, { 'conntrack.usagePercent': 99, 'listeners.unexpected': [listener(4444)] });
    expect(r.instances.map((i) => i.rule)).toEqual(['ct']);
    expect(r.errors).toEqual([{ rule: 'unexpected', message: 'boom' }]);
  });
});
