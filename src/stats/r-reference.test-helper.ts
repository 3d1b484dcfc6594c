/**
 * Runs R (Debian r-base-core with r-cran-proc, r-cran-glmnet, r-cran-rms, r-cran-psych) on data a
 * test generated, so statistics are compared with the R implementations users trust rather than
 * with numbers typed into the test. `runR(script, input)` writes `input` as JSON, the script reads
 * it as `input` (jsonlite::fromJSON: arrays become vectors, arrays of arrays matrices), assigns
 * its result to `out` (a named list of numeric/logical/character vectors or nested lists), and
 * the result comes back with every double printed to 17 significant digits (jsonlite's own
 * writer stops at 15). A length-1 vector comes back as a scalar.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let available: boolean | undefined;

/** True when Rscript runs and has the packages the reference scripts load. */
export function rAvailable(): boolean {
  if (available === undefined) {
    const probe = spawnSync(
      'Rscript',
      [
        '-e',
        'suppressMessages({library(jsonlite);library(pROC);library(glmnet);library(rms);library(psych)})',
      ],
      { stdio: 'ignore' },
    );
    available = probe.status === 0;
  }
  return available;
}

/** Reason to pass as `{ skip }` to node:test when R is missing. */
export const R_MISSING =
  'Rscript with pROC, glmnet, rms, psych and jsonlite is not installed (scripts/ensure-system-packages.sh installs them)';

const SERIALISE = String.raw`
.axilla_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (is.null(names(x))) return(paste0("[", paste(vapply(x, .axilla_json, ""), collapse = ","), "]"))
    return(paste0("{", paste0('"', names(x), '":', vapply(x, .axilla_json, ""), collapse = ","), "}"))
  }
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) {
    v <- vapply(x, function(s) as.character(jsonlite::toJSON(s, auto_unbox = TRUE)), "")
  } else if (is.logical(x)) {
    v <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    x <- as.numeric(x)
    v <- ifelse(is.na(x), "null", ifelse(is.infinite(x), ifelse(x > 0, '"Inf"', '"-Inf"'), sprintf("%.17g", x)))
  }
  if (length(v) == 1 && is.null(dim(x))) return(v)
  paste0("[", paste(v, collapse = ","), "]")
}
`;

/** Runs `script` in R with `input` bound; returns `out` parsed from JSON. Throws with R's stderr on failure. */
export function runR<T = Record<string, unknown>>(script: string, input: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'axilla-r-'));
  try {
    const inputPath = join(dir, 'input.json');
    const scriptPath = join(dir, 'script.R');
    writeFileSync(inputPath, JSON.stringify(input));
    writeFileSync(
      scriptPath,
      `suppressMessages(library(jsonlite))\n${SERIALISE}\ninput <- fromJSON(${JSON.stringify(inputPath)})\n${script}\ncat(.axilla_json(out))\n`,
    );
    const stdout = execFileSync('Rscript', ['--vanilla', scriptPath], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(stdout) as T;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`R reference script failed: ${err.stderr?.trim() || err.message}`, { cause: e });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
