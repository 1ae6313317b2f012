import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/**
 * A query Kysely builds and compiles once and the store then runs with new values: for a point
 * lookup, building and compiling costs more than the database takes to answer (bench/s3.ts, small
 * GETs). The SQL is the dialect's own, so it stays portable. The builder receives `value(i)` for
 * the i-th run-time argument; every other value in the query stays as compiled.
 */
export class Prepared<Row> {
  private readonly compiled: CompiledQuery<Row>;
  /** For each parameter of the compiled query: the argument it takes, or -1 for a constant. */
  private readonly slots: number[];

  constructor(
    private readonly db: Kysely<unknown>,
    build: (value: (i: number) => string) => Compilable<Row>,
  ) {
    const markers: string[] = [];
    const value = (i: number) => (markers[i] ??= `\u0000arg${i}\u0000${Math.random()}`);
    this.compiled = build(value).compile();
    this.slots = this.compiled.parameters.map((p) => markers.indexOf(p as string));
  }

  async first(args: readonly unknown[]): Promise<Row | undefined> {
    const parameters = this.slots.map((slot, i) => (slot < 0 ? this.compiled.parameters[i] : args[slot]));
    const res = await this.db.executeQuery<Row>({ ...this.compiled, parameters });
    return res.rows[0];
  }
}
