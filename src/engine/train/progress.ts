// Progress output for a training run: a single redrawn line on a terminal, periodic plain lines
// otherwise, or newline-delimited JSON events ({"event":"step"|"eval"|"checkpoint"|"done"}) on stdout.
import type { EvalResult, TrainHooks, TrainProgress, TrainResult } from "./events.ts";

export interface ProgressOptions {
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Minimum seconds between plain lines when stderr is not a terminal. */
  plainIntervalSeconds?: number;
}

export interface ProgressReporter extends TrainHooks {
  /** Ends the progress output; in JSON mode writes the "done" event. */
  done(result: TrainResult): void;
  /** Ends an open progress line (before an error is printed). */
  close(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

export function formatProgress(p: TrainProgress, barWidth = 20): string {
  const filled = Math.min(barWidth, Math.round((p.step / p.totalSteps) * barWidth));
  const bar = `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}]`;
  return `${bar} step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ${Math.round(p.tokensPerSecond)} tok/s  ETA ${formatDuration(p.etaSeconds)}`;
}

export function progressReporter(o: ProgressOptions): ProgressReporter {
  const tty = o.stderr.isTTY === true;
  const interval = o.plainIntervalSeconds ?? 10;
  let lastPlain = -Infinity;
  let lineOpen = false;
  const emit = (event: Record<string, unknown>): void => {
    o.stdout.write(`${JSON.stringify(event)}\n`);
  };
  // On a terminal, a message replaces the progress line, which the next step redraws.
  const say = (line: string): void => {
    o.stderr.write(tty && lineOpen ? `\r\x1b[K${line}\n` : `${line}\n`);
    lineOpen = false;
  };
  return {
    onProgress(p) {
      if (o.json) return emit({ event: "step", ...p });
      if (tty) {
        o.stderr.write(`\r\x1b[K${formatProgress(p)}`);
        lineOpen = true;
        return;
      }
      if (p.step === 1 || p.step === p.totalSteps || p.elapsedSeconds - lastPlain >= interval) {
        lastPlain = p.elapsedSeconds;
        say(formatProgress(p));
      }
    },
    onEval(e: EvalResult) {
      if (o.json) return emit({ event: "eval", ...e });
      say(`eval at step ${e.step}: val loss ${e.valLoss.toFixed(4)}, perplexity ${e.valPerplexity.toFixed(2)}`);
      if (e.sample !== undefined) say(`  sample: ${JSON.stringify(e.prompt)} → ${JSON.stringify(e.sample)}`);
    },
    onCheckpoint(dir, step) {
      if (o.json) return emit({ event: "checkpoint", step, dir });
      say(`checkpoint at step ${step} → ${dir}`);
    },
    done(result) {
      if (o.json) return emit({ event: "done", ...result });
      this.close();
    },
    close() {
      if (tty && lineOpen) o.stderr.write("\n");
      lineOpen = false;
    },
  };
}
