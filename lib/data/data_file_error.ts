import { UserError } from "../cli/errors.ts";

/** A dataset file that is missing or damaged: names the file and says how to repair it. */
export class DataFileError extends UserError {
  constructor(readonly path: string, problem: string, remedy: string) {
    super(`${path}: ${problem}. ${remedy}`);
    this.name = "DataFileError";
  }
}
