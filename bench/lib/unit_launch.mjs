/**
 * How the systemd unit starts the sidecar: its `Environment=` assignments (with systemd's
 * quoting, "A=b c" D=e) and its `ExecStart=` split into the Node binary, Node's own options, the
 * program and the program's arguments. The unit is the reference for what the sidecar ships
 * with: the bench runs `run` this way, and test/deploy checks the other launchers agree.
 */
export function unitEnvironment(unitText) {
  const env = {};
  for (const line of unitLines(unitText, 'Environment=')) {
    for (const m of line.matchAll(/"([^"=]+)=([^"]*)"|([^\s"=]+)=(\S*)/g)) env[m[1] ?? m[3]] = m[2] ?? m[4];
  }
  return env;
}

export function unitExecStart(unitText) {
  const words = (unitLines(unitText, 'ExecStart=').at(-1) ?? '').split(/\s+/).filter(Boolean);
  const [node = '', ...rest] = words;
  const programAt = rest.findIndex((w) => !w.startsWith('-'));
  return { node, nodeOptions: rest.slice(0, programAt), program: rest[programAt] ?? '', args: rest.slice(programAt + 1) };
}

function unitLines(unitText, prefix) {
  return unitText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}
