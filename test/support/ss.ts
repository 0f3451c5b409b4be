/** Runs iproute2's `ss` and parses the little of its output the live tests compare with. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TCP_STATES, type TcpState } from '../../src/snapshot/types.js';

const run = promisify(execFile);

const SS_STATES: Record<string, TcpState> = {
  ESTAB: 'established',
  'SYN-SENT': 'syn_sent',
  'SYN-RECV': 'syn_received',
  'FIN-WAIT-1': 'fin_wait_1',
  'FIN-WAIT-2': 'fin_wait_2',
  'TIME-WAIT': 'time_wait',
  UNCONN: 'close',
  'CLOSE-WAIT': 'close_wait',
  'LAST-ACK': 'last_ack',
  LISTEN: 'listen',
  CLOSING: 'closing',
};

export async function ss(args: string[]): Promise<string[]> {
  const { stdout } = await run('ss', args, { maxBuffer: 256 * 1024 * 1024 });
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

export async function ssStateCounts(): Promise<Record<TcpState, number>> {
  const counts = Object.fromEntries(TCP_STATES.map((s) => [s, 0])) as Record<TcpState, number>;
  for (const line of await ss(['-tanH'])) {
    const state = SS_STATES[line.split(/\s+/)[0]!];
    if (state === undefined) throw new Error(`ss printed an unknown state: ${line}`);
    counts[state]++;
  }
  return counts;
}

export interface SsListener {
  address: string;
  port: number;
  users: { process: string; pid: number }[];
}

/** `[::1]:8080`, `127.0.0.1:80`, `*:22`, `[fe80::1]%eth0:5353` -> address and port as we print them. */
export function parseSsEndpoint(text: string): { address: string; port: number } {
  const colon = text.lastIndexOf(':');
  let host = text.slice(0, colon).replace(/%[^\]]*$/, '');
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  // ss prints a dual-stack wildcard as `*`; the kernel's address is `::`.
  return { address: host === '*' ? '::' : host, port: Number(text.slice(colon + 1)) };
}

export async function ssTcpListeners(): Promise<SsListener[]> {
  return (await ss(['-tlnpH'])).map((line) => {
    const fields = line.split(/\s+/);
    const users = [...line.matchAll(/\("([^"]*)",pid=(\d+),fd=\d+\)/g)].map((m) => ({ process: m[1]!, pid: Number(m[2]) }));
    return { ...parseSsEndpoint(fields[3]!), users };
  });
}

/** Every socket as `state local peer recvQ sendQ`, with endpoints in our address text. */
export async function ssSocketTuples(args: string[]): Promise<string[]> {
  return (await ss(args)).map((line) => {
    const [state, recvQ, sendQ, local, peer] = line.split(/\s+/) as [string, string, string, string, string];
    const l = parseSsEndpoint(local);
    const p = peer.endsWith(':*') ? { address: parseSsEndpoint(peer.replace(/:\*$/, ':0')).address, port: 0 } : parseSsEndpoint(peer);
    return `${SS_STATES[state] ?? state} ${l.address}:${l.port} ${p.address}:${p.port} ${recvQ} ${sendQ}`;
  }).sort();
}
