/**
 * Loads rules from files and directories of `*.json`, and keeps them current.
 *
 * `refresh()` re-lists the paths and re-reads every file, comparing contents by hash (not mtime:
 * a ConfigMap swap or a quick double save can keep size and mtime). A changed file that is
 * invalid keeps its last good rules in effect and is reported once per new content. Files are
 * small (MAX_RULES_FILE_BYTES) and few, so the synchronous reads cost nothing next to sampling,
 * and they keep a reload atomic with respect to evaluations.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ParseIssue } from '../errors.js';
import type { Allowlist } from './allowlist.js';
import { compileRules, type CompiledRules } from './engine.js';
import { MAX_RULES_FILE_BYTES, parseRulesText, type EvidenceSettings, type RulesFileContent } from './schema.js';

interface FileState {
  /** Hash of the content last read (or a size marker for files too large to read). */
  hash: string;
  /** Last good content: what this file contributes. */
  good: RulesFileContent | null;
  /** Problems with the content last read; empty when it is the good one. */
  issues: ParseIssue[];
  /** Rejected only for reusing another file's rule name: retried on every refresh, since fixing the other file fixes it. */
  conflict: boolean;
  /** The problem last reported for this file, so an unchanged problem is reported once. */
  reported: string | null;
}

export interface RulesStoreOptions {
  /** Called once per invalid new content of a file, with its first problem (lowest line). */
  onError?: (issue: ParseIssue, more: number) => void;
}

/** `*.json` directly inside a directory; hidden files (editor temp files, ConfigMap `..data`) are skipped. */
export function listRulesFiles(root: string): string[] {
  const stat = statSync(root);
  if (!stat.isDirectory()) return [root];
  return readdirSync(root)
    .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .map((name) => path.join(root, name))
    .filter((file) => {
      try {
        return statSync(file).isFile(); // follows symlinks: ConfigMap files are links through ..data
      } catch {
        return false; // a dangling link in the middle of a swap
      }
    })
    .sort();
}

type ReadOutcome = { hash: string; content: RulesFileContent | null; issues: ParseIssue[] };

function readRulesFile(file: string): ReadOutcome {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    return { hash: `error:${(err as Error).message}`, content: null, issues: [{ file, line: null, reason: (err as Error).message }] };
  }
  if (size > MAX_RULES_FILE_BYTES) {
    return {
      hash: `size:${size}`,
      content: null,
      issues: [{ file, line: 1, reason: `file is ${size} bytes; rules files are limited to ${MAX_RULES_FILE_BYTES} (1 MiB)` }],
    };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { hash: `error:${(err as Error).message}`, content: null, issues: [{ file, line: null, reason: (err as Error).message }] };
  }
  const hash = createHash('sha256').update(text).digest('hex');
  const result = parseRulesText(text, file);
  return result.ok ? { hash, content: result.value, issues: [] } : { hash, content: null, issues: result.issues };
}

export class RulesStore {
  private readonly files = new Map<string, FileState>();
  private readonly missing = new Set<string>();
  private current: CompiledRules = compileRules([], []);
  private generation = 0;

  constructor(
    private readonly roots: readonly string[],
    private readonly options: RulesStoreOptions = {},
  ) {}

  /** The rules in effect. */
  get compiled(): CompiledRules {
    return this.current;
  }

  /** Increments whenever the rules in effect change. */
  get version(): number {
    return this.generation;
  }

  /** Every current problem, of every file (all of them, for `rules check`). */
  issues(): ParseIssue[] {
    const out: ParseIssue[] = [];
    for (const root of this.missing) out.push({ file: root, line: null, reason: 'no such file or directory' });
    for (const state of this.files.values()) out.push(...state.issues);
    return out;
  }

  /** Names of the files currently contributing rules or allowlists. */
  loadedFiles(): string[] {
    return [...this.files.entries()].filter(([, s]) => s.good !== null).map(([f]) => f);
  }

  /** Files in the order given: roots in argument order, each root's files by name. */
  private order: string[] = [];

  private listAll(): string[] {
    const out = new Set<string>();
    for (const root of this.roots) {
      try {
        for (const f of listRulesFiles(root)) out.add(f);
        this.missing.delete(root);
      } catch (err) {
        if (!this.missing.has(root)) {
          this.missing.add(root);
          const code = (err as NodeJS.ErrnoException).code;
          this.options.onError?.({ file: root, line: null, reason: code === 'ENOENT' ? 'no such file or directory' : (err as Error).message }, 0);
        }
      }
    }
    return [...out];
  }

  /** Re-reads everything; returns true when the rules in effect changed. */
  refresh(): boolean {
    const listed = this.listAll();
    this.order = listed;
    let changed = false;
    for (const file of [...this.files.keys()]) {
      if (!listed.includes(file)) {
        this.files.delete(file);
        changed = true;
      }
    }

    const fresh: { file: string; outcome: ReadOutcome }[] = [];
    for (const file of listed) {
      const outcome = readRulesFile(file);
      const state = this.files.get(file);
      if (state && state.hash === outcome.hash && !state.conflict) continue;
      fresh.push({ file, outcome });
    }

    // Names held by files that did not change (and by the last good rules of files that turned
    // invalid) win: a changed file that reuses one of them is the one rejected.
    const owner = new Map<string, { file: string; line: number }>();
    const claim = (content: RulesFileContent | null): void => {
      for (const r of content?.rules ?? []) if (!owner.has(r.name)) owner.set(r.name, { file: r.file, line: r.line });
    };
    const freshFiles = new Set(fresh.map((f) => f.file));
    for (const [file, state] of this.files) if (!freshFiles.has(file)) claim(state.good);
    for (const { file, outcome } of fresh) if (!outcome.content) claim(this.files.get(file)?.good ?? null);

    for (const { file, outcome } of fresh) {
      const previous = this.files.get(file);
      let issues = outcome.issues;
      const conflict = outcome.content !== null;
      if (outcome.content) {
        issues = outcome.content.rules
          .filter((r) => owner.has(r.name))
          .map((r) => {
            const other = owner.get(r.name);
            return { file, line: r.line, reason: `rule name "${r.name}" is already defined in ${other?.file}:${other?.line}` };
          });
      }
      if (issues.length === 0 && outcome.content) {
        claim(outcome.content);
        this.files.set(file, { hash: outcome.hash, good: outcome.content, issues: [], conflict: false, reported: null });
        changed = true;
      } else {
        const first = issues[0];
        const signature = first ? `${outcome.hash}|${first.line}|${first.reason}` : null;
        this.files.set(file, { hash: outcome.hash, good: previous?.good ?? null, issues, conflict, reported: signature });
        if (first && signature !== previous?.reported) this.options.onError?.(first, issues.length - 1);
      }
    }

    if (changed) this.rebuild();
    return changed;
  }

  private rebuild(): void {
    const seen = new Set<string>();
    const rules = [];
    const allowlists: Allowlist[] = [];
    const evidence: EvidenceSettings[] = [];
    for (const file of this.order) {
      const good = this.files.get(file)?.good;
      if (!good) continue;
      if (good.allowlist) allowlists.push(good.allowlist);
      if (good.evidence) evidence.push(good.evidence);
      for (const rule of good.rules) {
        if (seen.has(rule.name)) continue; // cannot happen after the checks above; never evaluate a name twice
        seen.add(rule.name);
        rules.push(rule);
      }
    }
    // A fresh set of Engines per reload: nothing of the old rule set survives in them.
    this.current = compileRules(rules, allowlists, evidence);
    this.generation++;
  }
}
