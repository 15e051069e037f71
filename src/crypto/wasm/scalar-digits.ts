/**
 * A scalar below 2^256 held as 32-bit words and read as the digits the engines' scalar
 * multiplications consume: signed fixed windows (for tables of multiples per window) and a
 * width-w NAF (for a table of odd multiples with doublings between). One instance is reused for
 * every multiplication, so reading a scalar allocates nothing.
 */
export class ScalarDigits {
  static readonly BITS = 256;
  private readonly words = new Uint32Array(ScalarDigits.BITS / 32 + 1);
  private readonly naf = new Int8Array(ScalarDigits.BITS + 1);

  load(k: bigint): this {
    let v = k;
    for (let j = 0; j < this.words.length - 1; j++) {
      this.words[j] = Number(v & 0xffffffffn);
      v >>= 32n;
    }
    this.words[this.words.length - 1] = 0;
    return this;
  }

  /** The same from 32 little-endian bytes. */
  loadBytes(bytes: Uint8Array): this {
    for (let j = 0; j < this.words.length - 1; j++) {
      const i = 4 * j;
      this.words[j] =
        (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    }
    this.words[this.words.length - 1] = 0;
    return this;
  }

  /** `count` bits (≤ 16) from bit `position`. */
  bits(position: number, count: number): number {
    const word = position >>> 5;
    const shift = position & 31;
    let value = this.words[word]! >>> shift;
    if (shift + count > 32 && word + 1 < this.words.length) value |= this.words[word + 1]! << (32 - shift);
    return value & ((1 << count) - 1);
  }

  /**
   * Visits each non-zero signed digit d of the windows of `windowBits` bits, −2^(bits−1) ≤ d ≤
   * 2^(bits−1), windows 0 … `windows` − 1 (one more than 256 / bits takes the last carry).
   */
  forEachWindowDigit(
    windowBits: number,
    windows: number,
    visit: (window: number, digit: number) => void,
  ): void {
    const half = 1 << (windowBits - 1);
    let carry = 0;
    for (let w = 0; w < windows; w++) {
      let digit = this.bits(w * windowBits, windowBits) + carry;
      carry = 0;
      if (digit > half) {
        digit -= 1 << windowBits;
        carry = 1;
      }
      if (digit !== 0) visit(w, digit);
    }
  }

  /**
   * The width-w NAF of the scalar, least significant first: odd digits of magnitude below
   * 2^(w−1), at least w − 1 zeros between two of them. Returns the digits (valid until the next
   * call) and the highest non-zero position (−1 for zero).
   */
  nafDigits(width: number): { readonly digits: Int8Array; readonly top: number } {
    const digits = this.naf;
    digits.fill(0);
    let top = -1;
    let carry = 0;
    for (let position = 0; position <= ScalarDigits.BITS; ) {
      if (this.bits(position, 1) === carry) {
        position++;
        continue;
      }
      let digit = this.bits(position, width) + carry;
      carry = 0;
      if (digit >= 1 << (width - 1)) {
        digit -= 1 << width;
        carry = 1;
      }
      digits[position] = digit;
      top = position;
      position += width;
    }
    return { digits, top };
  }
}
