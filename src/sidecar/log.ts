/**
 * The sidecar's own stderr lines: `HH:MM:SS message` for people, or one JSON object per line
 * (`--log-format json`) for log shippers. stdout stays free for command output.
 */
export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface SidecarLog {
  readonly format: LogFormat;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LogOptions {
  write?: (line: string) => void;
  now?: () => Date;
}

function clock(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function createSidecarLog(format: LogFormat, options: LogOptions = {}): SidecarLog {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}): void => {
    const at = now();
    if (format === 'json') {
      write(`${JSON.stringify({ time: at.toISOString(), level, msg: message, ...fields })}\n`);
    } else {
      const prefix = level === 'info' ? '' : `${level === 'warn' ? 'warning' : 'error'}: `;
      write(`${clock(at)} ${prefix}${message}\n`);
    }
  };
  return {
    format,
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
