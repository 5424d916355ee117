/**
 * Out-of-band metadata carried by THeader and TTHeader, in both directions.
 *
 *   string keys -> THeader INFO_KEYVALUE, TTHeader KEYVALUE (0x01); Kitex's metainfo prefixes
 *                  (`RPC_TRANSIT_`, `RPC_PERSIST_`, `RPC_BACKWARD_`) travel here, see `kitex.ts`
 *   int keys    -> TTHeader INTKEYVALUE (0x10) only, keys 0..65535 (see `KitexIntKey`)
 *
 * Keys and values are strings, written as UTF-8 and never altered. Buffered and Framed carry no metadata:
 * decoders hand out {@link Metadata.EMPTY} and encoders drop what they are given (see `droppedMetadata`).
 *
 * Maps are created on first use, so an empty Metadata costs one small object.
 */
export class Metadata {
  /** A shared, read-only empty instance (what header-less transports decode to). */
  static readonly EMPTY: Metadata = new Metadata(true);

  private strings: Map<string, string> | undefined;
  private ints: Map<number, string> | undefined;
  private readonly readonly: boolean;

  constructor(readonly = false) {
    this.readonly = readonly;
  }

  /** Builds metadata from a plain record of string headers (and optionally int headers). */
  static from(
    strings?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>,
    ints?: Iterable<readonly [number, string]> | Readonly<Record<number, string>>,
  ): Metadata {
    const metadata = new Metadata();
    if (strings !== undefined) {
      const entries = isIterable(strings) ? strings : Object.entries(strings);
      for (const [key, value] of entries) metadata.set(key, value);
    }
    if (ints !== undefined) {
      const entries = isIterable(ints) ? ints : Object.entries(ints).map(([k, v]) => [Number(k), v] as const);
      for (const [key, value] of entries) metadata.setInt(key, value);
    }
    return metadata;
  }

  /** Number of string entries plus int entries. */
  get size(): number {
    return (this.strings?.size ?? 0) + (this.ints?.size ?? 0);
  }

  /** True when there is nothing to send. */
  isEmpty(): boolean {
    return this.size === 0;
  }

  get(key: string): string | undefined {
    return this.strings?.get(key);
  }

  has(key: string): boolean {
    return this.strings?.has(key) ?? false;
  }

  /** Sets a string header. Throws TypeError for a non-string key or value, or on {@link Metadata.EMPTY}. */
  set(key: string, value: string): this {
    this.writable();
    if (typeof key !== 'string') throw new TypeError(`Metadata key must be a string, got ${typeof key}`);
    if (typeof value !== 'string') {
      throw new TypeError(`Metadata value for ${JSON.stringify(key)} must be a string, got ${typeof value}`);
    }
    (this.strings ??= new Map()).set(key, value);
    return this;
  }

  delete(key: string): boolean {
    this.writable();
    return this.strings?.delete(key) ?? false;
  }

  /** A TTHeader int header (see `KitexIntKey`). */
  getInt(key: number): string | undefined {
    return this.ints?.get(key);
  }

  hasInt(key: number): boolean {
    return this.ints?.has(key) ?? false;
  }

  /** Sets a TTHeader int header. Throws RangeError unless 0 <= key <= 65535, TypeError for a non-string value. */
  setInt(key: number, value: string): this {
    this.writable();
    if (!Number.isInteger(key) || key < 0 || key > 0xffff) {
      throw new RangeError(`Metadata int key must be an integer between 0 and 65535, got ${String(key)}`);
    }
    if (typeof value !== 'string') {
      throw new TypeError(`Metadata value for int key ${key} must be a string, got ${typeof value}`);
    }
    (this.ints ??= new Map()).set(key, value);
    return this;
  }

  deleteInt(key: number): boolean {
    this.writable();
    return this.ints?.delete(key) ?? false;
  }

  /** String entries in insertion order. */
  entries(): IterableIterator<[string, string]> {
    return (this.strings ?? EMPTY_STRINGS).entries();
  }

  /** Int entries in insertion order. */
  intEntries(): IterableIterator<[number, string]> {
    return (this.ints ?? EMPTY_INTS).entries();
  }

  get stringCount(): number {
    return this.strings?.size ?? 0;
  }

  get intCount(): number {
    return this.ints?.size ?? 0;
  }

  /** The string headers as a plain object (what `ServerCallContext.requestHeaders` exposes). */
  toRecord(): Record<string, string> {
    const record: Record<string, string> = Object.create(null) as Record<string, string>;
    if (this.strings !== undefined) for (const [key, value] of this.strings) record[key] = value;
    return record;
  }

  /** A writable copy. */
  clone(): Metadata {
    const copy = new Metadata();
    if (this.strings !== undefined) copy.strings = new Map(this.strings);
    if (this.ints !== undefined) copy.ints = new Map(this.ints);
    return copy;
  }

  private writable(): void {
    if (this.readonly) throw new TypeError('Metadata.EMPTY is read-only: create a new Metadata() to add headers');
  }
}

const EMPTY_STRINGS: ReadonlyMap<string, string> = new Map();
const EMPTY_INTS: ReadonlyMap<number, string> = new Map();

function isIterable<T>(value: unknown): value is Iterable<T> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<T>)[Symbol.iterator] === 'function';
}
