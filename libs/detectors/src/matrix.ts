/** A dense row-major float32 matrix: row i occupies data[i*cols, (i+1)*cols). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function matrix(rows: number, cols: number, data?: Float32Array | ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`matrix: bad shape ${rows}x${cols}`);
  }
  const values =
    data === undefined
      ? new Float32Array(rows * cols)
      : data instanceof Float32Array
        ? data
        : Float32Array.from(data);
  if (values.length !== rows * cols)
    throw new Error(`matrix: ${values.length} values for shape ${rows}x${cols}`);
  return { rows, cols, data: values };
}

export function fromRows(rows: ReadonlyArray<ArrayLike<number>>): Matrix {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`fromRows: row ${i} has ${row.length} values, expected ${cols}`);
    data.set(Array.from(row), i * cols);
  });
  return { rows: rows.length, cols, data };
}

/** Rows [start, end) as a view (no copy). */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  const s = Math.max(0, start);
  const e = Math.min(m.rows, end);
  return { rows: e - s, cols: m.cols, data: m.data.subarray(s * m.cols, e * m.cols) };
}

export function subtractMatrices(a: Matrix, b: Matrix): Matrix {
  assertSameShape(a, b, 'subtract');
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return { rows: a.rows, cols: a.cols, data: out };
}

export function assertSameShape(a: Matrix, b: Matrix, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`${what}: shapes differ (${a.rows}x${a.cols} vs ${b.rows}x${b.cols})`);
  }
}

export function assertCols(m: Matrix, cols: number, what: string): void {
  if (m.cols !== cols) throw new Error(`${what}: expected ${cols} columns, got ${m.cols}`);
}

/** The rows of `parts` one after another (all with the same number of columns). */
export function stackRows(parts: readonly Matrix[]): Matrix {
  if (parts.length === 0) throw new Error('stackRows: no parts');
  const cols = parts[0].cols;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const data = new Float32Array(rows * cols);
  let offset = 0;
  for (const p of parts) {
    assertCols(p, cols, 'stackRows');
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { rows, cols, data };
}

/** Copies of the rows at `indexes`, in that order. */
export function pickRows(m: Matrix, indexes: readonly number[]): Matrix {
  const data = new Float32Array(indexes.length * m.cols);
  indexes.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { rows: indexes.length, cols: m.cols, data };
}

/** At most `max` of `indexes`, evenly spaced (deterministic, so a refit picks the same rows). */
export function spreadIndexes(indexes: readonly number[], max: number): number[] {
  if (indexes.length <= max) return [...indexes];
  return Array.from({ length: max }, (_, i) => indexes[Math.floor((i * indexes.length) / max)]);
}
