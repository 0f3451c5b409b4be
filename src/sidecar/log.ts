/**
 * The sidecar's own stderr lines: `TIME LEVEL message` for people, or one JSON object per line
 * (`--log-format json`: time, level, message, fields) for log shippers. Alert lines
 * (alerts/notify.ts) use the same shape, so one parser reads the whole stream. stdout stays free
 * for command output.
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

export function createSidecarLog(format: LogFormat, options: LogOptions = {}): SidecarLog {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}): void => {
    const time = now().toISOString();
    const upper = level.toUpperCase();
    write(format === 'json' ? `${JSON.stringify({ time, level: upper, message, ...fields })}\n` : `${time} ${upper} ${message}\n`);
  };
  return {
    format,
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
