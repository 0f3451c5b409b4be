import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParseIssue } from '../../src/errors.js';
import { listRulesFiles, RulesStore } from '../../src/rules/loader.js';
import { MAX_RULES_FILE_BYTES } from '../../src/rules/schema.js';
import { ruleJson } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'netstat-otel-loader-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const names = (store: RulesStore) => store.compiled.rules.map((r) => r.name);

describe('listRulesFiles', () => {
  it('lists *.json directly in a directory, not hidden files, not subdirectories', () => {
    writeFileSync(path.join(dir, 'b.json'), '{}');
    writeFileSync(path.join(dir, 'a.json'), '{}');
    writeFileSync(path.join(dir, '.a.json.swp'), '{}');
    writeFileSync(path.join(dir, '.hidden.json'), '{}');
    writeFileSync(path.join(dir, 'notes.txt'), '');
    mkdirSync(path.join(dir, 'tests'));
    writeFileSync(path.join(dir, 'tests', 'x.json'), '{}');
    expect(listRulesFiles(dir).map((f) => path.basename(f))).toEqual(['a.json', 'b.json']);
    expect(listRulesFiles(path.join(dir, 'b.json'))).toEqual([path.join(dir, 'b.json')]);
  });
});

describe('RulesStore', () => {
  it('loads every file and merges allowlists', () => {
    writeFileSync(path.join(dir, 'a.json'), ruleJson('a'));
    writeFileSync(path.join(dir, 'allow.json'), JSON.stringify({ allowlist: { ports: [22] } }));
    const store = new RulesStore([dir]);
    expect(store.refresh()).toBe(true);
    expect(names(store)).toEqual(['a']);
    expect(store.compiled.allowlist.matches({ transport: 'tcp', family: 'inet', address: '0.0.0.0', port: 22, pid: null, process: null, uid: null, inode: null })).toBe(true);
    expect(store.refresh()).toBe(false); // nothing changed
  });

  it('keeps a file’s last good rules when it turns invalid, and reports once per new content', () => {
    const errors: ParseIssue[] = [];
    const file = path.join(dir, 'a.json');
    writeFileSync(file, ruleJson('a'));
    const store = new RulesStore([dir], { onError: (i) => errors.push(i) });
    store.refresh();
    writeFileSync(file, '{\n  "rules": [\n    { "name": "a" \n  ]\n}');
    expect(store.refresh()).toBe(false);
    store.refresh();
    expect(names(store)).toEqual(['a']);
    expect(errors).toEqual([{ file, line: 4, reason: expect.stringMatching(/^invalid JSON/) }]);
    writeFileSync(file, ruleJson('a').replace('"warning"', '"page"'));
    store.refresh();
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ file, line: 5 });
    writeFileSync(file, ruleJson('a2'));
    expect(store.refresh()).toBe(true);
    expect(names(store)).toEqual(['a2']);
    expect(store.issues()).toEqual([]);
  });

  it('rejects a changed file that reuses a rule name of another file, until that clears', () => {
    const errors: ParseIssue[] = [];
    writeFileSync(path.join(dir, 'a.json'), ruleJson('shared'));
    writeFileSync(path.join(dir, 'b.json'), ruleJson('b'));
    const store = new RulesStore([dir], { onError: (i) => errors.push(i) });
    store.refresh();
    writeFileSync(path.join(dir, 'b.json'), ruleJson('shared'));
    store.refresh();
    expect(names(store)).toEqual(['shared', 'b']);
    expect(errors).toEqual([
      { file: path.join(dir, 'b.json'), line: 4, reason: `rule name "shared" is already defined in ${path.join(dir, 'a.json')}:4` },
    ]);
    store.refresh();
    expect(errors).toHaveLength(1); // not repeated
    // Renaming the rule in a.json frees the name: b.json's unchanged content is accepted now.
    writeFileSync(path.join(dir, 'a.json'), ruleJson('a'));
    store.refresh();
    expect(names(store).sort()).toEqual(['a', 'shared']);
  });

  it('at the first load, the later file (by name) is the one rejected', () => {
    writeFileSync(path.join(dir, 'a.json'), ruleJson('x'));
    writeFileSync(path.join(dir, 'b.json'), ruleJson('x'));
    const store = new RulesStore([dir]);
    store.refresh();
    expect(store.issues()).toEqual([expect.objectContaining({ file: path.join(dir, 'b.json'), line: 4 })]);
    expect(store.compiled.rules.map((r) => r.file)).toEqual([path.join(dir, 'a.json')]);
  });

  it('limits file size', () => {
    writeFileSync(path.join(dir, 'big.json'), `{"comment": "${'x'.repeat(MAX_RULES_FILE_BYTES)}"}`);
    const store = new RulesStore([dir]);
    store.refresh();
    expect(store.issues()).toEqual([{ file: path.join(dir, 'big.json'), line: 1, reason: expect.stringMatching(/limited to 1048576 \(1 MiB\)/) }]);
  });

  it('reports a missing path once, and removes the rules of deleted files', () => {
    const errors: ParseIssue[] = [];
    const file = path.join(dir, 'a.json');
    writeFileSync(file, ruleJson('a'));
    const store = new RulesStore([file], { onError: (i) => errors.push(i) });
    store.refresh();
    rmSync(file);
    expect(store.refresh()).toBe(true);
    store.refresh();
    expect(names(store)).toEqual([]);
    expect(errors).toEqual([{ file, line: null, reason: 'no such file or directory' }]);
  });
});
