/**
 * Just enough of the Prometheus text exposition format to read tickroom's own /metrics:
 * samples with labels, and quantiles estimated from histogram buckets the way
 * PromQL's `histogram_quantile` does (linear interpolation inside the bucket).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(LABEL)) labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, "$1");
    const raw = match[3] as string;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

function matches(sample: Sample, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(labels)) if (sample.labels[key] !== value) return false;
  return true;
}

/** Sum of every sample of `name` whose labels include `labels` (0 when none). */
export function sumOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const sample of samples) if (sample.name === name && matches(sample, labels)) total += sample.value;
  return total;
}

/** Cumulative bucket counts of a histogram, summed over the series matching `labels`. */
export type Buckets = ReadonlyArray<{ readonly le: number; readonly count: number }>;

export function bucketsOf(samples: readonly Sample[], histogram: string, labels: Readonly<Record<string, string>> = {}): Buckets {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${histogram}_bucket` || !matches(sample, labels)) continue;
    const le = sample.labels.le === "+Inf" ? Infinity : Number(sample.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** Bucket counts observed between two scrapes of the same histogram. */
export function bucketsBetween(before: Buckets, after: Buckets): Buckets {
  const earlier = new Map(before.map((bucket) => [bucket.le, bucket.count]));
  return after.map((bucket) => ({ le: bucket.le, count: bucket.count - (earlier.get(bucket.le) ?? 0) }));
}

/**
 * The q-quantile (0..1) of a histogram, `undefined` with no observations. Past the last
 * finite bound it answers that bound, as `histogram_quantile` does.
 */
export function quantileOf(buckets: Buckets, q: number): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? le : lowerBound + (le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
