export interface LatencySummary {
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values; `fraction` is 0.5 for the median. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Collects latencies in milliseconds without keeping a JavaScript array of boxed numbers. */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private length = 0;

  add(milliseconds: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = milliseconds;
  }

  get count(): number {
    return this.length;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.length).sort();
    let total = 0;
    for (const value of sorted) total += value;
    return {
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
      mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
    };
  }
}
