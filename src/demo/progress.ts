/**
 * Download progress on a stream (stderr): a redrawn bar on a terminal, plain
 * lines every 10% (or every 5 s when the size is unknown) otherwise.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  update(received: number, total: number | undefined): void;
  /** Ends the display: a final line when `ok`, else just ends a partly drawn bar. */
  end(ok: boolean): void;
}

const MiB = 1024 * 1024;
const mib = (n: number): string => (n / MiB).toFixed(1);
const TTY_INTERVAL_MS = 100;
const LINE_INTERVAL_MS = 5_000;

export function progress(out: ProgressStream, label: string, now: () => number = Date.now): Progress {
  let last = { received: 0, total: undefined as number | undefined };
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let lastTenth = -1;

  const bar = (): string => {
    const { received, total } = last;
    if (!total) return `${label} ${mib(received)} MiB`;
    const frac = Math.min(1, received / total);
    const width = Math.max(10, Math.min(40, (out.columns || 80) - label.length - 30));
    const full = Math.round(frac * width);
    const pct = `${Math.floor(frac * 100)}`.padStart(3);
    return `${label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${pct}% ${mib(received)}/${mib(total)} MiB`;
  };
  const line = (): string => {
    const { received, total } = last;
    return total ? `${label}: ${Math.floor((received / total) * 100)}% (${mib(received)} of ${mib(total)} MiB)` : `${label}: ${mib(received)} MiB`;
  };

  return {
    update(received, total) {
      last = { received, total };
      const t = now();
      if (out.isTTY) {
        if (t - drawnAt < TTY_INTERVAL_MS && received !== total) return;
        out.write(`\r${bar()}\x1b[K`);
      } else if (total) {
        const tenth = Math.floor((received / total) * 10);
        if (tenth <= lastTenth) return;
        lastTenth = tenth;
        out.write(`${line()}\n`);
      } else {
        if (t - drawnAt < LINE_INTERVAL_MS) return;
        out.write(`${line()}\n`);
      }
      drawnAt = t;
      drawn = true;
    },
    end(ok) {
      if (out.isTTY) {
        if (ok) out.write(`\r${bar()}\x1b[K\n`);
        else if (drawn) out.write('\n');
      } else if (ok && !(last.total && lastTenth >= 10)) {
        out.write(`${line()}\n`);
      }
    },
  };
}
