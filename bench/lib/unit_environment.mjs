/**
 * The `Environment=` assignments of a systemd unit, with systemd's quoting ("A=b c" D=e): what
 * the sidecar ships with. The bench runs `run` with them; test/deploy checks the launchers agree.
 */
export function unitEnvironment(unitText) {
  const env = {};
  for (const line of unitText.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('Environment='))) {
    for (const m of line.slice('Environment='.length).matchAll(/"([^"=]+)=([^"]*)"|([^\s"=]+)=(\S*)/g)) env[m[1] ?? m[3]] = m[2] ?? m[4];
  }
  return env;
}
