/** A subcommand of the `fumo-kiosk` command line. Each lives in ./commands/<name>.ts. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export interface CliCommand {
  name: string;
  /** One line for `fumo-kiosk --help`. */
  summary: string;
  /** Full usage text for `fumo-kiosk <name> --help`, including exit codes. */
  usage: string;
  /** Returns the process exit code. 0 ok, 1 the operation failed, 2 bad input or usage. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for bad arguments or bad input: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
