/**
 * IP text as `ss` (glibc inet_ntop) prints it, from 32-bit words holding the address bytes in
 * network order (byte 0 in the high bits). Same output as procfs/address.ts, which tests pin;
 * this version skips the byte arrays and caches IPv4 text, because both socket paths format two
 * addresses per socket and a busy host repeats a few local addresses across 100k sockets.
 */

/** ASCII digits of 0..255, to write addresses into a scratch buffer. */
const OCTET_DIGITS = Array.from({ length: 256 }, (_, i) => Array.from(String(i), (c) => c.charCodeAt(0)));
const DOT = 46;
const COLON = 58;
const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Slots of the direct-mapped memo: enough for a host's local addresses and busiest peers. */
const SLOTS = 4096;
const SLOT_SHIFT = 32 - Math.log2(SLOTS);

/**
 * Memo of IPv4 text, direct-mapped: a fixed table that overwrites on collision, because a Map
 * that grows with 100k distinct peers costs more in garbage than it saves. Formatting is a pure
 * function, so one instance serves every parser (see IP_TEXT); its size never changes.
 */
export class IpTextCache {
  private readonly keys = new Float64Array(SLOTS).fill(-1);
  private readonly texts: string[] = new Array<string>(SLOTS).fill('');
  private readonly mappedKeys = new Float64Array(SLOTS).fill(-1);
  private readonly mappedTexts: string[] = new Array<string>(SLOTS).fill('');
  private readonly groups = new Int32Array(8);
  /**
   * Text is written here as bytes and read back as one string: joining pieces with `+` makes a
   * fresh string per step, and that garbage is most of the cost at 100k sockets.
   */
  private readonly scratch = Buffer.alloc(64);
  private length = 0;

  private put(c: number): void {
    this.scratch[this.length++] = c;
  }

  private putDotted(word: number): void {
    for (let shift = 24; shift >= 0; shift -= 8) {
      const digits = OCTET_DIGITS[(word >>> shift) & 0xff]!;
      for (let i = 0; i < digits.length; i++) this.put(digits[i]!);
      if (shift > 0) this.put(DOT);
    }
  }

  private putHex(group: number): void {
    let started = false;
    for (let shift = 12; shift >= 0; shift -= 4) {
      const d = (group >>> shift) & 0xf;
      if (d === 0 && !started && shift > 0) continue;
      started = true;
      this.put(HEX_DIGITS[d]!);
    }
  }

  private take(): string {
    const text = this.scratch.toString('latin1', 0, this.length);
    this.length = 0;
    return text;
  }

  ipv4(word: number): string {
    const slot = Math.imul(word, 0x9e3779b1) >>> SLOT_SHIFT;
    if (this.keys[slot] === word) return this.texts[slot]!;
    this.putDotted(word);
    const text = this.take();
    this.keys[slot] = word;
    this.texts[slot] = text;
    return text;
  }

  /** `::ffff:a.b.c.d`, memoized apart so a dual-stack host does not build the prefix per socket. */
  private mapped(word: number): string {
    const slot = Math.imul(word, 0x9e3779b1) >>> SLOT_SHIFT;
    if (this.mappedKeys[slot] === word) return this.mappedTexts[slot]!;
    for (const c of MAPPED_PREFIX) this.put(c);
    this.putDotted(word);
    const text = this.take();
    this.mappedKeys[slot] = word;
    this.mappedTexts[slot] = text;
    return text;
  }

  ipv6(w0: number, w1: number, w2: number, w3: number): string {
    if ((w0 | w1) === 0) {
      // The forms every host is full of: ::, ::1, ::ffff:a.b.c.d (v4-mapped), ::a.b.c.d.
      if (w2 === 0xffff) return this.mapped(w3);
      if (w2 === 0) {
        if (w3 === 0) return '::';
        if (w3 === 1) return '::1';
      }
    }
    const g = this.groups;
    g[0] = w0 >>> 16; g[1] = w0 & 0xffff; g[2] = w1 >>> 16; g[3] = w1 & 0xffff;
    g[4] = w2 >>> 16; g[5] = w2 & 0xffff; g[6] = w3 >>> 16; g[7] = w3 & 0xffff;
    this.putGroups(g, w3);
    return this.take();
  }

  /** The longest run of two or more zero groups (first on ties) becomes `::`, as inet_ntop does. */
  private putGroups(g: Int32Array, last: number): void {
    let bestStart = -1;
    let bestLength = 0;
    let start = -1;
    for (let i = 0; i <= 8; i++) {
      if (i < 8 && g[i] === 0) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0 && i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
      start = -1;
    }
    if (bestLength < 2) bestStart = -1;
    const embedsIpv4 = bestStart === 0 && (bestLength === 6 || (bestLength === 5 && g[5] === 0xffff));
    for (let i = 0; i < 8; i++) {
      if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength) {
        if (i === bestStart) this.put(COLON);
        continue;
      }
      if (i > 0) this.put(COLON);
      if (i === 6 && embedsIpv4) {
        this.putDotted(last);
        return;
      }
      this.putHex(g[i]!);
    }
    if (bestStart >= 0 && bestStart + bestLength === 8) this.put(COLON);
  }
}

const MAPPED_PREFIX = Array.from('::ffff:', (c) => c.charCodeAt(0));

/** The one shared memo (about 150 KB): per-parser tables would be fresh memory on every read. */
export const IP_TEXT = new IpTextCache();
