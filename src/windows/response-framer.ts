/**
 * Cuts PowerShell's stdout into lines and picks out the response lines
 * (`<marker> <id> <payload>`, see ./powershell-script.ts). Pure: bytes in, events out, so the
 * framing can be tested without a child process.
 */

export type FramerEvent =
  | { kind: 'response'; id: string; payload: string }
  | { kind: 'noise'; line: string }
  | { kind: 'overflow'; length: number };

export class ResponseFramer {
  private buffer = '';
  private discarding = false;

  /**
   * @param maxLineLength a line longer than this is dropped (an `overflow` event) instead of
   *   growing without bound; reading resumes at the next newline.
   */
  constructor(
    private readonly marker: string,
    private readonly maxLineLength: number,
  ) {}

  push(chunk: string): FramerEvent[] {
    const events: FramerEvent[] = [];
    let text = chunk;
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl === -1) break;
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (this.discarding) {
        this.discarding = false;
        this.buffer = '';
        continue;
      }
      const line = (this.buffer + piece).replace(/\r$/, '');
      this.buffer = '';
      events.push(line.length > this.maxLineLength ? { kind: 'overflow', length: line.length } : this.classify(line));
    }
    if (!this.discarding) {
      this.buffer += text;
      if (this.buffer.length > this.maxLineLength) {
        events.push({ kind: 'overflow', length: this.buffer.length });
        this.buffer = '';
        this.discarding = true;
      }
    }
    return events;
  }

  private classify(line: string): FramerEvent {
    // The marker may follow other text on the same line (a prompt printed without a newline).
    const at = line.indexOf(this.marker);
    if (at !== -1) {
      const m = /^ (\S+) (.*)$/s.exec(line.slice(at + this.marker.length));
      if (m !== null) return { kind: 'response', id: m[1] as string, payload: m[2] as string };
    }
    return { kind: 'noise', line };
  }
}
