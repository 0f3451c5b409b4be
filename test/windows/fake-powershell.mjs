// Stands in for `powershell.exe -NoProfile -NonInteractive -Command -` in tests: reads the same
// stdin lines (the bootstrap line, then `Invoke-NetstatOtelSample -Id '<id>'`) and answers with
// the same framing (`@@netstat-otel@@ <id> <json>`). Behaviour is chosen by environment:
//   FAKE_PS_ANSWER_FILE  answer with this JSON document (its id replaced), else a small echo
//   FAKE_PS_CRASH_AFTER  exit(3) instead of answering request number N+1
//   FAKE_PS_HANG_FILE    the first process (the one that creates this file) stops answering
//                        from request FAKE_PS_HANG_FROM on (default 1: never answers)
//   FAKE_PS_SPLIT        write each answer in pieces, with CRLF, over a few milliseconds
//   FAKE_PS_NOISE        print warnings and a prompt around the answer
//   FAKE_PS_STALE        print an answer for an older id first
//   FAKE_PS_GARBAGE      answer with a payload that is not JSON
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import readline from 'node:readline';

const MARKER = '@@netstat-otel@@';
const env = process.env;
let bootstrapped = false;
let seenFirstLine = false;
let served = 0;
let hang = false;
if (env.FAKE_PS_HANG_FILE && !existsSync(env.FAKE_PS_HANG_FILE)) {
  writeFileSync(env.FAKE_PS_HANG_FILE, String(process.pid));
  hang = true;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!seenFirstLine) {
    seenFirstLine = true;
    const m = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(line);
    const script = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    bootstrapped = script.includes('function Invoke-NetstatOtelSample') && script.includes(MARKER);
    return;
  }
  const req = /^Invoke-NetstatOtelSample -Id '(\d+)'$/.exec(line.trim());
  if (!req) {
    process.stderr.write(`The term '${line}' is not recognized\n`);
    return;
  }
  const id = req[1];
  if (hang && served + 1 >= Number(env.FAKE_PS_HANG_FROM ?? '1')) return;
  if (env.FAKE_PS_CRASH_AFTER !== undefined && served >= Number(env.FAKE_PS_CRASH_AFTER)) {
    process.stderr.write('fatal: out of memory\n');
    process.exit(3);
  }
  served += 1;
  let payload;
  if (env.FAKE_PS_GARBAGE) payload = 'this is not json';
  else if (env.FAKE_PS_ANSWER_FILE) {
    const doc = JSON.parse(readFileSync(env.FAKE_PS_ANSWER_FILE, 'utf8'));
    doc.id = id;
    payload = JSON.stringify(doc);
  } else payload = JSON.stringify({ version: 1, id, bootstrapped, pid: process.pid, served });

  const nl = env.FAKE_PS_SPLIT ? '\r\n' : '\n';
  let out = '';
  if (env.FAKE_PS_NOISE) out += `WARNING: module NetTCPIP is slow today${nl}${nl}PS C:\\> `;
  if (env.FAKE_PS_STALE) out += `${MARKER} ${Number(id) - 1} {"stale":true}${nl}`;
  out += `${MARKER} ${id} ${payload}${nl}`;
  if (env.FAKE_PS_NOISE) out += `VERBOSE: done${nl}`;
  if (env.FAKE_PS_SPLIT) {
    const pieces = [out.slice(0, 7), out.slice(7, 40), out.slice(40)];
    pieces.forEach((p, i) => setTimeout(() => process.stdout.write(p), 5 * (i + 1)));
  } else {
    process.stdout.write(out);
  }
});
rl.on('close', () => process.exit(0));
