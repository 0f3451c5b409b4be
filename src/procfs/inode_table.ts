/**
 * A hash table from socket inode to a small integer, on typed arrays reused from one scan to
 * the next. At 100k sockets a Map or Set rebuilt per scan costs more in fresh memory (page
 * faults) and garbage than the lookups themselves. Socket inodes are 32-bit and never 0; any
 * other key (a fixture's odd number) goes to a side Map so the table stays exact.
 */
const EMPTY = 0;
const MIN_CAPACITY = 1024;

const isWord = (key: number): boolean => key > 0 && key <= 0xffffffff && Number.isInteger(key);

export class InodeTable {
  private keys = new Uint32Array(MIN_CAPACITY);
  private values = new Int32Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private count = 0;
  private readonly others = new Map<number, number>();

  get size(): number {
    return this.count + this.others.size;
  }

  /** Empties the table, sized for `expected` keys at most half full. */
  reset(expected = 0): this {
    let capacity = MIN_CAPACITY;
    while (capacity < expected * 2) capacity *= 2;
    if (capacity > this.keys.length || capacity * 8 < this.keys.length) {
      this.keys = new Uint32Array(capacity);
      this.values = new Int32Array(capacity);
    } else if (this.count > 0) {
      this.keys.fill(EMPTY);
    }
    this.mask = this.keys.length - 1;
    this.count = 0;
    this.others.clear();
    return this;
  }

  private slot(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = Math.imul(key, 0x9e3779b1) & mask;
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  /** The value stored for key, or -1. */
  get(key: number): number {
    if (!isWord(key)) return this.others.get(key) ?? -1;
    const i = this.slot(key);
    return this.keys[i] === key ? this.values[i]! : -1;
  }

  set(key: number, value: number): void {
    if (!isWord(key)) {
      this.others.set(key, value);
      return;
    }
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const i = this.slot(key);
    if (this.keys[i] !== key) {
      this.keys[i] = key;
      this.count++;
    }
    this.values[i] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i]!, values[i]!);
  }
}
