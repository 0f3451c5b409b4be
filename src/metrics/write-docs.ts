/** `npm run docs:metrics`: regenerate docs/metrics.md from the metric table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMetricsMarkdown } from './docs.js';

// dist/metrics/write-docs.js -> the package root is two levels up.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = path.join(root, 'docs', 'metrics.md');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, renderMetricsMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
