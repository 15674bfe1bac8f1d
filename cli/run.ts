/** Runs a CLI entry point: its number becomes the exit code; a thrown error is printed with its code. */
import { toErrorInfo } from '../src/core/errors';

export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const info = toErrorInfo(err);
      process.stderr.write(`error (${info.code}): ${info.message}\n`);
      process.exitCode = 1;
    },
  );
}
