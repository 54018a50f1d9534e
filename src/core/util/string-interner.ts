/**
 * Strings to dense ids and back: model names, labels and canonical names are stored once and
 * referred to by number (typed arrays hold ids, never strings).
 */
export class StringInterner {
  private readonly ids = new Map<string, number>();

  /**
   * `strings` may already hold entries (the file's StringIds): new ones are appended after them.
   * Only strings interned here are deduplicated; the existing entries are not indexed (a 1M-string
   * table would cost a Map of it for nothing).
   */
  constructor(readonly strings: string[] = []) {}

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  get size(): number {
    return this.strings.length;
  }
}
