import { ReadError, type ParseResult } from '../errors.js';
import { parseNetDev } from '../procfs/net_dev.js';
import { parseNetIpv6Route } from '../procfs/net_ipv6_route.js';
import { parseNetRoute } from '../procfs/net_route.js';
import { parseNetUnix } from '../procfs/net_unix.js';
import type { KernelFs } from '../procfs/kernel_fs.js';
import { parseSnmp } from '../procfs/snmp.js';
import { parseSnmp6 } from '../procfs/snmp6.js';
import { parseSockstat } from '../procfs/sockstat.js';
import { parsePortRange, parseSysctlInteger } from '../procfs/sysctl.js';
import { LINK_FILES, parseLinkInfo, type LinkFile, type LinkInfo } from '../sysfs/net_class.js';
import { emptyCounters } from '../snapshot/empty.js';
import type { SampleError, Sockstat } from '../snapshot/types.js';
import { ALL_STATES, LISTEN_STATES, UDP_UNCONNECTED_STATES } from '../netlink/states.js';
import { appendAll, issuesToErrors, type Sampler, type SamplerOutput } from './sampler.js';
import { isOptionalFile, LINUX_FILES } from './linux_files.js';
import type { SocketReader } from './sockets.js';

export interface LinuxContext {
  procfs: KernelFs;
  sysfs: KernelFs;
  /** TCP/UDP sockets: sock_diag or /proc/net (see sockets.ts). */
  sockets: SocketReader;
}

export { LINUX_FILES };

interface FileText {
  file: string;
  text: string | null;
}

async function readFileText(procfs: KernelFs, relative: string, errors: SampleError[], source: string): Promise<FileText> {
  const file = procfs.path(relative);
  try {
    return { file, text: await procfs.read(relative) };
  } catch (err) {
    if (!(err instanceof ReadError)) throw err;
    if (!(err.isNotFound && isOptionalFile(relative))) errors.push({ source, file, line: null, message: err.message });
    return { file, text: null };
  }
}

interface Parsed<T> {
  values: T[];
  errors: SampleError[];
}

/** Reads a sampler's files and applies one parser to each that exists. */
async function parseFiles<T>(
  context: LinuxContext,
  source: string,
  files: readonly string[],
  parse: (text: string, file: string, relative: string) => ParseResult<T>,
): Promise<Parsed<T>> {
  const errors: SampleError[] = [];
  const texts = await Promise.all(files.map((f) => readFileText(context.procfs, f, errors, source)));
  const values: T[] = [];
  texts.forEach(({ file, text }, i) => {
    if (text === null) return;
    const result = parse(text, file, files[i]!);
    values.push(result.value);
    appendAll(errors, issuesToErrors(source, result.issues));
  });
  return { values, errors };
}

/** One transport's sockets in the given kernel states, from whichever reader the context has. */
function ipSocketSampler(name: 'tcp' | 'udp', states: number = ALL_STATES): Sampler<LinuxContext> {
  return { name, sample: (context) => context.sockets.read(name, states) };
}

const unixSampler: Sampler<LinuxContext> = {
  name: 'unix',
  async sample(context) {
    const { values, errors } = await parseFiles(context, 'unix', LINUX_FILES.unix, parseNetUnix);
    // Unix sockets are counted, not listed: hosts hold thousands and no consumer needs each one.
    return { patch: { unix: values[0] ? { sockets: values[0].length } : null }, errors };
  },
};

async function readLinkInfo(sysfs: KernelFs, name: string, errors: SampleError[]): Promise<LinkInfo> {
  const dir = `class/net/${name}`;
  const texts = Object.fromEntries(
    await Promise.all(LINK_FILES.map(async (f) => [f, await sysfs.read(`${dir}/${f}`).catch(() => null)] as const)),
  ) as Record<LinkFile, string | null>;
  const result = parseLinkInfo(texts, sysfs.path(dir));
  appendAll(errors, issuesToErrors('interfaces', result.issues));
  return result.value;
}

/** Counters from /proc/net/dev, joined with link state from sysfs (absent in containers without /sys: nulls). */
const interfacesSampler: Sampler<LinuxContext> = {
  name: 'interfaces',
  async sample(context) {
    const { values, errors } = await parseFiles(context, 'interfaces', LINUX_FILES.interfaces, parseNetDev);
    const interfaces = await Promise.all(
      values.flat().map(async (i) => ({ ...i, ...(await readLinkInfo(context.sysfs, i.name, errors)) })),
    );
    return { patch: { interfaces }, errors };
  },
};

const routesSampler: Sampler<LinuxContext> = {
  name: 'routes',
  async sample(context) {
    const { values, errors } = await parseFiles(context, 'routes', LINUX_FILES.routes, (text, file, rel) =>
      rel === 'net/route' ? parseNetRoute(text, file) : parseNetIpv6Route(text, file),
    );
    return { patch: { routes: values.flat() }, errors };
  },
};

const countersSampler: Sampler<LinuxContext> = {
  name: 'counters',
  async sample(context) {
    // Each file on its own: a bad or missing snmp6 costs only the Udp6 sections, not snmp's or netstat's.
    const { values, errors } = await parseFiles(context, 'counters', LINUX_FILES.counters, (text, file, rel) =>
      rel === 'net/snmp6' ? parseSnmp6(text, file) : parseSnmp(text, file),
    );
    const counters = emptyCounters();
    for (const sections of values) Object.assign(counters, sections);
    return { patch: { counters }, errors };
  },
};

const sockstatSampler: Sampler<LinuxContext> = {
  name: 'sockstat',
  async sample(context) {
    const { values, errors } = await parseFiles(context, 'sockstat', LINUX_FILES.sockstat, parseSockstat);
    const sockstat: Sockstat | null = values.length ? Object.assign({}, ...values) : null;
    return { patch: { sockstat }, errors };
  },
};

const conntrackSampler: Sampler<LinuxContext> = {
  name: 'conntrack',
  async sample(context) {
    const [countFile, maxFile] = LINUX_FILES.conntrack;
    const [count, max] = await Promise.all(
      [countFile, maxFile].map((f) => parseFiles(context, 'conntrack', [f], parseSysctlInteger)),
    ) as [Parsed<number | null>, Parsed<number | null>];
    const [c, m] = [count.values[0] ?? null, max.values[0] ?? null];
    return { patch: { conntrack: c !== null && m !== null ? { count: c, max: m } : null }, errors: [...count.errors, ...max.errors] };
  },
};

const portRangeSampler: Sampler<LinuxContext> = {
  name: 'portRange',
  async sample(context): Promise<SamplerOutput> {
    const { values, errors } = await parseFiles(context, 'portRange', LINUX_FILES.portRange, parsePortRange);
    return { patch: { localPortRange: values[0] ?? null }, errors };
  },
};

export const LINUX_SAMPLERS: readonly Sampler<LinuxContext>[] = [
  ipSocketSampler('tcp'),
  ipSocketSampler('udp'),
  unixSampler,
  interfacesSampler,
  routesSampler,
  countersSampler,
  sockstatSampler,
  conntrackSampler,
  portRangeSampler,
];

/**
 * Only what the fast listener watch needs: LISTEN TCP sockets and unconnected UDP ones (the
 * kernel filters them over netlink; /proc rows in other states are skipped unparsed).
 */
export const LISTENER_SAMPLERS: readonly Sampler<LinuxContext>[] = [ipSocketSampler('tcp', LISTEN_STATES), ipSocketSampler('udp', UDP_UNCONNECTED_STATES)];
