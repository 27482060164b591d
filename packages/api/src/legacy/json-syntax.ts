/**
 * Locates the first JSON syntax error in a text, for error messages with a line and column.
 * JSON.parse finds the same errors, but its messages and positions differ between Node versions
 * and some (such as "Unexpected end of JSON input") carry no position at all.
 */

export interface JsonSyntaxError {
  /** Offset of the offending character in the text (UTF-16 code units). */
  offset: number;
  message: string;
}

const MAX_NESTING = 512;

class SyntaxProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function describeChar(text: string, offset: number): string {
  if (offset >= text.length) return "the end of the file";
  const char = text[offset] ?? "";
  if (char === "\n" || char === "\r") return "a line break";
  const code = char.charCodeAt(0);
  if (code < 0x20 || code === 0x7f)
    return `control character U+${code.toString(16).padStart(4, "0")}`;
  return `"${char}"`;
}

/** A recursive-descent scanner over the JSON grammar of RFC 8259; it builds no values. */
class Scanner {
  private position = 0;

  constructor(private readonly text: string) {}

  scanDocument(): void {
    this.skipWhitespace();
    if (this.position >= this.text.length) {
      throw new SyntaxProblem(this.position, "expected a JSON value, but the file contains none");
    }
    this.scanValue(0);
    this.skipWhitespace();
    if (this.position < this.text.length) {
      throw new SyntaxProblem(
        this.position,
        `unexpected ${describeChar(this.text, this.position)} after the end of the JSON document`,
      );
    }
  }

  private fail(expected: string): never {
    const found = describeChar(this.text, this.position);
    const truncated = this.position >= this.text.length ? " (the file looks truncated)" : "";
    throw new SyntaxProblem(this.position, `expected ${expected} but found ${found}${truncated}`);
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char !== " " && char !== "\t" && char !== "\n" && char !== "\r") return;
      this.position += 1;
    }
  }

  private scanValue(depth: number): void {
    if (depth > MAX_NESTING) {
      throw new SyntaxProblem(this.position, `values are nested deeper than ${MAX_NESTING} levels`);
    }
    const char = this.text[this.position];
    if (char === "{") this.scanObject(depth);
    else if (char === "[") this.scanArray(depth);
    else if (char === '"') this.scanString();
    else if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) this.scanNumber();
    else this.scanLiteral();
  }

  private scanLiteral(): void {
    for (const literal of ["true", "false", "null"]) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return;
      }
    }
    this.fail("a value (object, array, string, number, true, false or null)");
  }

  private scanObject(depth: number): void {
    this.position += 1;
    this.skipWhitespace();
    if (this.text[this.position] === "}") {
      this.position += 1;
      return;
    }
    for (;;) {
      if (this.text[this.position] !== '"') {
        if (this.text[this.position] === "}") {
          throw new SyntaxProblem(this.position, 'unexpected "}" after a trailing comma');
        }
        this.fail("a property name in double quotes");
      }
      this.scanString();
      this.skipWhitespace();
      if (this.text[this.position] !== ":") this.fail('":" after the property name');
      this.position += 1;
      this.skipWhitespace();
      this.scanValue(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.position];
      if (next === "}") {
        this.position += 1;
        return;
      }
      if (next !== ",") this.fail('"," or "}" after the property value');
      this.position += 1;
      this.skipWhitespace();
    }
  }

  private scanArray(depth: number): void {
    this.position += 1;
    this.skipWhitespace();
    if (this.text[this.position] === "]") {
      this.position += 1;
      return;
    }
    for (;;) {
      if (this.text[this.position] === "]") {
        throw new SyntaxProblem(this.position, 'unexpected "]" after a trailing comma');
      }
      this.scanValue(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.position];
      if (next === "]") {
        this.position += 1;
        return;
      }
      if (next !== ",") this.fail('"," or "]" after the array element');
      this.position += 1;
      this.skipWhitespace();
    }
  }

  private scanString(): void {
    this.position += 1;
    for (;;) {
      if (this.position >= this.text.length) this.fail('the closing """ of the string');
      const char = this.text[this.position] ?? "";
      if (char === '"') {
        this.position += 1;
        return;
      }
      if (char.charCodeAt(0) < 0x20)
        this.fail("an escaped character (control characters must be escaped)");
      if (char === "\\") {
        this.position += 1;
        const escaped = this.text[this.position];
        if (escaped === "u") {
          const digits = this.text.slice(this.position + 1, this.position + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('four hexadecimal digits after "\\u"');
          this.position += 5;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) {
          this.fail('an escape sequence (\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX)');
        }
      }
      this.position += 1;
    }
  }

  private scanNumber(): void {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.position, this.position + 400),
    );
    if (!match || match[0] === "-") this.fail("a number");
    this.position += match[0].length;
    const next = this.text[this.position];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail("the end of the number");
  }
}

/** Returns the first syntax error in `text`, or undefined when the text is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).scanDocument();
    return undefined;
  } catch (error) {
    if (error instanceof SyntaxProblem) return { offset: error.offset, message: error.message };
    if (error instanceof RangeError) {
      return { offset: 0, message: "values are nested too deeply to check" };
    }
    throw error;
  }
}

/** Converts an offset into a 1-based line and column; a column counts UTF-16 code units. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let index = 0; index < end; index++) {
    if (text[index] === "\n") {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
