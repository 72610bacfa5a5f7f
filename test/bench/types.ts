export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Target, for the table: e.g. ">= 300". */
  target?: string;
  note?: string;
}

/** Each test/bench/*.bench.ts default-exports one of these. */
export interface BenchSuite {
  name: string;
  run(): Promise<BenchResult[]>;
}
