/**
 * Property-based tests of parseNetRoute (/proc/net/route) and parseNetIpv6Route
 * (/proc/net/ipv6_route): any input is safe, generated routes round-trip, garbage lines cost
 * only themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4RouteFlags, parseNetRoute } from '../../src/procfs/net_route.js';
import { ipv6RouteFlags, parseNetIpv6Route } from '../../src/procfs/net_ipv6_route.js';
import type { Route } from '../../src/snapshot/types.js';
import {
  ipv4Text, ipv6RouteLineArb, ipv6Text, isNullEntry, renderIpv6RouteLine, renderRouteLine, ROUTE_HEADER, routeLineArb,
  type Ipv6RouteLine, type RouteLine,
} from './kernel_format.js';
import { expectIssuesWithinInput, expectSubsequence, FUZZ_SEED, fuzz, insertLines, junkLineArb, saneOnAnyInput } from './support.js';

/**
 * Flag letters come from the exported mappers, whose letters and order test/procfs checks
 * against net-tools; what the round trip checks is that the right bits reach them.
 */
function expectedRoute(r: RouteLine): Route {
  const gateway = ipv4Text(r.gateway);
  return {
    family: 'inet',
    destination: `${ipv4Text(r.destination)}/${r.prefix}`,
    gateway: gateway === '0.0.0.0' ? null : gateway,
    interface: r.iface,
    metric: r.metric,
    flags: ipv4RouteFlags(r.flags),
  };
}

function expectedIpv6Route(r: Ipv6RouteLine): Route {
  const nextHop = ipv6Text(r.nextHop);
  return {
    family: 'inet6',
    destination: `${ipv6Text(r.destination)}/${r.prefix}`,
    gateway: nextHop === '::' ? null : nextHop,
    interface: r.device,
    metric: r.metric,
    flags: ipv6RouteFlags(r.flags),
  };
}

const insertsArb = fc.array(fc.record({ at: fc.nat(), line: junkLineArb }), { minLength: 1, maxLength: 4 });

describe(`parseNetRoute fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({
    name: 'net/route',
    parse: (text, file) => parseNetRoute(text, file),
    fixtures: ['linux-vm/proc/net/route', 'recorded/loopback-states/net/route', 'broken/proc/net/route'],
    corpus: ['procfs/inline/proc/net/route', 'jc/linux-proc__net_route'],
  });

  const linesArb = fc.array(routeLineArb, { maxLength: 10 });

  it('net/route: generated routes in the kernel format parse back to their values', () => {
    fuzz(fc.property(linesArb, fc.boolean(), (lines, finalNewline) => {
      const text = [ROUTE_HEADER, ...lines.map(renderRouteLine)].join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseNetRoute(text, 'route');
      expect(issues).toEqual([]);
      expect(value).toEqual(lines.map(expectedRoute));
    }), 800);
  });

  it('net/route: garbage lines inserted into a valid table cost no route', () => {
    fuzz(fc.property(linesArb, insertsArb, (lines, inserts) => {
      const { text, garbageLines, moved } = insertLines([ROUTE_HEADER, ...lines.map(renderRouteLine)], inserts);
      const { value, issues } = parseNetRoute(text, 'route');
      expectIssuesWithinInput(issues, text, 'route');
      expectSubsequence(value, lines.map(expectedRoute));
      expect(value.length).toBeLessThanOrEqual(lines.length + inserts.length);
      // The header is only skipped on line 1; pushed down by garbage, it is reported.
      const allowed = new Set([...garbageLines, ...(moved[0] === 1 ? [] : [moved[0]!])]);
      for (const issue of issues) expect(allowed.has(issue.line!), `issue on a valid line: ${JSON.stringify(issue)}`).toBe(true);
    }), 600);
  });
});

describe(`parseNetIpv6Route fuzz (seed ${FUZZ_SEED})`, () => {
  saneOnAnyInput({
    name: 'net/ipv6_route',
    parse: parseNetIpv6Route,
    fixtures: ['linux-vm/proc/net/ipv6_route', 'recorded/loopback-states/net/ipv6_route', 'broken/proc/net/ipv6_route'],
    corpus: ['jc/linux-proc__net_ipv6_route'],
  });

  const linesArb = fc.array(ipv6RouteLineArb, { maxLength: 10 });

  it('net/ipv6_route: generated routes parse back to their values (the null entry is dropped)', () => {
    fuzz(fc.property(linesArb, fc.boolean(), (lines, finalNewline) => {
      const text = lines.map(renderIpv6RouteLine).join('\n') + (finalNewline ? '\n' : '');
      const { value, issues } = parseNetIpv6Route(text, 'ipv6_route');
      expect(issues).toEqual([]);
      expect(value).toEqual(lines.filter((l) => !isNullEntry(l)).map(expectedIpv6Route));
    }), 800);
  });

  it('net/ipv6_route: the kernel null entry is dropped, a configured reject route is kept', () => {
    const zero = new Array<number>(16).fill(0);
    const nullEntry: Ipv6RouteLine = {
      destination: zero, prefix: 0, source: zero, sourcePrefix: 0, nextHop: zero, metric: 0xffffffff, refcnt: 1, use: 0,
      flags: 0x200 | 0x200000, device: 'lo',
    };
    const text = [nullEntry, { ...nullEntry, metric: 1024 }].map(renderIpv6RouteLine).join('\n');
    expect(parseNetIpv6Route(text, 'ipv6_route').value.map((r) => r.metric)).toEqual([1024]);
  });

  it('net/ipv6_route: garbage lines inserted into a valid table cost no route', () => {
    fuzz(fc.property(linesArb, insertsArb, (lines, inserts) => {
      const { text, garbageLines } = insertLines(lines.map(renderIpv6RouteLine), inserts);
      const { value, issues } = parseNetIpv6Route(text, 'ipv6_route');
      expectIssuesWithinInput(issues, text, 'ipv6_route');
      expectSubsequence(value, lines.filter((l) => !isNullEntry(l)).map(expectedIpv6Route));
      expect(value.length).toBeLessThanOrEqual(lines.length + inserts.length);
      for (const issue of issues) expect(garbageLines.has(issue.line!), `issue on a valid line: ${JSON.stringify(issue)}`).toBe(true);
    }), 600);
  });
});
