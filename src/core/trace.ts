/**
 * Phase trace (RUNJ_TRACE=1 or --debug): where a command's time goes, one
 * line per phase, so every claim about start-up latency can be checked on
 * the command itself. docs/performance.md describes the format:
 *
 *   runj-trace <phase> <ms in the phase> <ms since the process started>
 *
 * A phase ends at its mark; its duration runs from the previous mark (the
 * first from Node's own boot). Off, `mark` is one comparison: no clock read,
 * no string built — callers pass constant phase names, and a detail (the
 * helper's message type) as a second argument that is only joined when on.
 */

type Sink = (line: string) => void;

let on = false;
let last = 0;
/** Lines made before the sink is known (before --log is opened), written when it is. */
let pending: string[] | undefined;
let sink: Sink | undefined;

/** Whether this command asked for a trace: RUNJ_TRACE set (not 0/empty) or --debug anywhere among its arguments. */
export function traceWanted(env: NodeJS.ProcessEnv, argv: readonly string[]): boolean {
  const v = env.RUNJ_TRACE;
  return (v !== undefined && v !== '' && v !== '0') || argv.includes('--debug');
}

/**
 * Starts tracing, with the phases before the first mark: Node's boot, Node's
 * preparation of the main script (up to the launcher's first line: as for any
 * script, the floor's too) and the loading of the bundle (read, compile with
 * the code cache, evaluate): load.core for the core commands' bundle,
 * load.launch for create's, run's and exec's.
 */
export function startTrace(): void {
  if (on) return;
  on = true;
  pending = [];
  const now = performance.now();
  // The global is perf_hooks' performance (its types omit nodeTiming); importing perf_hooks would cost every command.
  const boot = (performance as unknown as { nodeTiming: { bootstrapComplete: number } }).nodeTiming.bootstrapComplete;
  emit('node.boot', boot, boot);
  // Stamped by the launcher (build/launcher.cjs); without it (the module run directly) there is no split.
  const launched = (globalThis as Record<symbol, unknown>)[Symbol.for('runj.launched')];
  // load.core or load.launch when the launcher chose one of those bundles (src/mainCore.ts,
  // src/mainLaunch.ts), else load.main.
  const bundle = (globalThis as Record<symbol, unknown>)[Symbol.for('runj.bundle')];
  const set = typeof bundle === 'string' ? /^runj-(core|launch)-/.exec(bundle)?.[1] : undefined;
  const load = set ? `load.${set}` : 'load.main';
  if (typeof launched === 'number' && launched >= boot && launched <= now) {
    emit('node.prepare', launched - boot, launched);
    emit(load, now - launched, now);
  } else {
    emit(load, now - boot, now);
  }
  last = now;
}

/** Where the lines go from now on (stderr, or the --log file through the logger); earlier lines are written first. */
export function traceTo(to: Sink): void {
  if (!on) return;
  sink = to;
  for (const line of pending ?? []) to(line);
  pending = undefined;
}

/** Ends the phase `phase` (and `detail`, joined with a dot) now. */
export function mark(phase: string, detail?: string): void {
  if (!on) return;
  const now = performance.now();
  emit(detail === undefined ? phase : `${phase}.${detail}`, now - last, now);
  last = now;
}

/** Whether marks are being recorded (for a caller that would otherwise compute a detail). */
export function tracing(): boolean {
  return on;
}

/**
 * Stops tracing, naming any bundle compiled without its code cache; lines
 * still pending go to `fallback` (a command that failed before choosing a sink).
 */
export function stopTrace(fallback?: Sink): void {
  // Bundles the launcher (build/launcher.cjs) compiled without their code cache: a lost ~2-7 ms, named.
  const cold = (globalThis as Record<symbol, unknown>)[Symbol.for('runj.coldCaches')];
  if (on && Array.isArray(cold)) for (const name of cold) emit(`cache.cold.${String(name)}`, 0, performance.now());
  if (on && pending && fallback) for (const line of pending) fallback(line);
  on = false;
  pending = undefined;
  sink = undefined;
}

export function formatTrace(phase: string, ms: number, sinceStart: number): string {
  return `runj-trace ${phase} ${ms.toFixed(3)} ${sinceStart.toFixed(3)}`;
}

function emit(phase: string, ms: number, sinceStart: number): void {
  const line = formatTrace(phase, ms, sinceStart);
  if (sink) sink(line);
  else pending?.push(line);
}
