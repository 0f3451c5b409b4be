import { describe, expect, it } from 'vitest';
import { renderSnapshotText } from '../../src/render/snapshot_text.js';
import { collectSnapshot } from '../../src/snapshot/collect.js';
import { fixturePath } from '../corpus.js';

const ROOT = fixturePath('recorded/loopback-states');

describe('snapshot text tables', () => {
  it('shows states, listeners with pid/program, interfaces, default gateway, conntrack and counters', async () => {
    const snapshot = await collectSnapshot({ procfs: ROOT, sysfs: `${ROOT}/sysfs` });
    const text = renderSnapshotText(snapshot);
    const listener = snapshot.listeners.find((l) => l.pid !== null)!;
    expect(text).toMatch(new RegExp(`^established +${snapshot.tcp.states.established}$`, 'm'));
    expect(text).toMatch(new RegExp(`^tcp6? +\\S+:${listener.port} +${listener.pid}/node$`, 'm'));
    expect(text).toMatch(/^eth0 +up +1400 /m);
    expect(text).toContain('Routes (default gateway: 192.0.2.1 dev eth0, fd00::1 dev eth0)');
    expect(text).toMatch(/^conntrack: \d+ of 262144 entries/m);
    expect(text).toMatch(/^TcpExt\.ListenOverflows +\d+ +accept queue overflows$/m);
    // The fixture held 3 established client connections per loopback host.
    expect(text).toMatch(/^\d+\/node +6 +127\.0\.0\.1:\d+ \(3\), \[::1\]:\d+ \(3\)$/m);
    expect(text).toContain('Errors: none');
  });
});
