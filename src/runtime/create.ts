/**
 * create: validate the bundle, plan the container, then let the helper build
 * it and park on exec.fifo. A failure at any step removes everything the
 * steps before it made: helper processes, backend objects, the state dir.
 */
import { type PlanRecord, helperPlan } from '../backend/protocol.js';
import type { Prepared, Sandbox } from '../backend/sandbox.js';
import { buildPlan } from '../plan/build.js';
import type { HostPolicy } from '../plan/policy.js';
import type { Spec } from '../plan/spec.js';
import type { ContainerPlan, HookSet } from '../plan/types.js';
import type { ContainerRecord, Staged } from './store.js';
import { writeFileAtomic } from './store.js';
import { readBundleConfig, validateBundle } from './bundle.js';
import type { RuntimeContext } from './context.js';
import { RuntimeError, alreadyExists, invalid, unsupported } from '../core/errors.js';
import type { HelperChannel } from './helper.js';
import { runHooks } from './hookList.js';
import { validateId } from './ids.js';
import { killInit } from './liveness.js';
import type { Lock } from './lock.js';
import { OCI_VERSION, hookState } from './ociState.js';
import { relayFork, terminalRecords } from './terminal.js';
import { isoTime } from '../core/isoTime.js';
import { mark } from '../core/trace.js';

export interface CreateOptions {
  id: string;
  bundle?: string | undefined;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  preserveFds?: number | undefined;
  noPivot?: boolean | undefined;
  noNewKeyring?: boolean | undefined;
  policy?: HostPolicy | undefined;
  /** The caller sets the relayed pty's size itself (the shim's ResizePty; HelperChannel.resize). */
  winsizeChannel?: boolean | undefined;
}

export interface Created {
  record: ContainerRecord;
  /** In run mode: the helper, whose exit status is the container's. */
  helper: HelperChannel | undefined;
  /** With `keepLock`: the container's lock, still held, for the caller to release (run starts the container under it). */
  lock: Lock | undefined;
}

export async function create(ctx: RuntimeContext, opts: CreateOptions, mode: 'create' | 'run' = 'create', keepLock = false): Promise<Created> {
  const id = validateId(opts.id);
  const preserveFds = opts.preserveFds ?? 0;
  if (!Number.isInteger(preserveFds) || preserveFds < 0) throw invalid(`--preserve-fds: must be a non-negative integer`);
  if (ctx.store.exists(id)) throw alreadyExists();
  mark('check');
  // config.json read, then the helper: its own start-up (exec, and on Linux its sealed copy
  // and the new namespaces it may enter early: native/README.md) runs beside the validating
  // and planning below, while it waits for the plan on its socket. A failure before the
  // plan is sent kills and reaps it: it has made nothing.
  const read = readBundleConfig(opts.bundle);
  const sandbox = await ctx.backend(ctx.platform);
  mark('backend.load');
  const helper = await ctx.spawnHelper(preserveFds, sandbox.earlyUnshare?.(read.doc) ?? []);
  mark('helper.spawn');
  let ready: Planned;
  try {
    ready = await planCreate(ctx, id, opts, mode, preserveFds, read, sandbox);
  } catch (err) {
    await stopHelper(helper);
    throw err;
  }
  const { spec, plan, terminal, prepared, staged } = ready;
  const record: ContainerRecord = {
    ociVersion: OCI_VERSION,
    id,
    pid: 0,
    status: 'creating',
    bundle: plan.bundle,
    rootfs: plan.rootfs,
    created: isoTime(ctx.clock.now()),
    annotations: plan.annotations,
    platform: sandbox.platform,
    hooks: { poststart: plan.hooks.poststart, poststop: plan.hooks.poststop },
    execDefaults: { process: spec.process, seccomp: spec.linux?.seccomp },
  };
  // The directory appears under <id> complete (lock held, recovery data and record on
  // disk) or not at all; the rename is the duplicate-id check. See docs/state.md.
  let dir: string;
  try {
    ctx.store.saveRecovery(staged.dir, { platform: sandbox.platform, data: prepared.recovery });
    ctx.store.save(record, staged.dir);
    dir = ctx.store.publish(staged, id);
    mark('state.publish');
  } catch (err) {
    ctx.store.discard(staged);
    staged.lock.release();
    await stopHelper(helper);
    throw err;
  }
  let handed = false;
  try {
    const setup = await sandbox.setUp(prepared.plan);
    mark('backend.setup');
    record.sandbox = setup; // at once: a failure from here on tears down what it names
    const body = sandbox.records(prepared.plan, setup);
    helper.send(helperPlan({ mode, fifoDir: dir, preserveFds }, [...terminal, ...relayFork(terminal, body), ...body]));
    mark('helper.send', 'plan');
    // Saved while the helper joins, unshares and forks. A crash before this write leaves a
    // `creating` record without it, which delete --force recovers from recovery.json, as a
    // crash during setUp (docs/state.md, "Recovery").
    ctx.store.save(record);
    mark('state.write');
    await converse(ctx, sandbox, helper, record, plan.hooks);
    record.status = 'created';
    ctx.store.save(record);
    mark('state.write');
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(record.pid));
    if (mode === 'create') helper.detach();
    mark('helper.detach');
    handed = keepLock;
    return { record, helper: mode === 'run' ? helper : undefined, lock: keepLock ? staged.lock : undefined };
  } catch (err) {
    await abandon(ctx, sandbox, record, helper, prepared.recovery);
    throw err;
  } finally {
    if (!handed) staged.lock.release();
  }
}

interface Planned {
  spec: Spec;
  plan: ContainerPlan;
  terminal: PlanRecord[];
  prepared: Prepared<unknown>;
  staged: Staged;
}

/** Validates and plans the bundle read, has the backend prepare it, and stages the container's directory. */
async function planCreate(
  ctx: RuntimeContext,
  id: string,
  opts: CreateOptions,
  mode: 'create' | 'run',
  preserveFds: number,
  read: { bundle: string; doc: unknown },
  sandbox: Sandbox,
): Promise<Planned> {
  const { bundle, spec } = await validateBundle(read);
  const terminal = terminalRecords(spec.process?.terminal === true, spec.process?.consoleSize, opts.consoleSocket, mode === 'run', opts.winsizeChannel);
  if (ctx.systemdCgroup && spec.linux?.cgroupsPath) {
    throw unsupported('--systemd-cgroup: config.json: /linux/cgroupsPath: systemd cgroup management is not supported by this backend');
  }
  const plan = buildPlan(id, bundle, spec, {
    noPivot: opts.noPivot === true,
    noNewKeyring: opts.noNewKeyring === true,
    preserveFds,
  });
  mark('plan');
  const prepared = sandbox.prepare(plan, opts.policy ?? ctx.policy());
  mark('backend.prepare');
  for (const w of prepared.warnings) ctx.log.warn(`${id}: ${w}`);
  for (const d of prepared.debug) ctx.log.debug(`${id}: ${d}`);
  const staged = ctx.store.stage(id);
  mark('state.stage');
  return { spec, plan, terminal, prepared, staged };
}

/** A helper that was never sent a plan: killed and reaped (it has started nothing). */
async function stopHelper(helper: HelperChannel): Promise<void> {
  helper.kill();
  await helper.exited();
  helper.detach();
}

/** Follows the helper through pid → hooks → ready. */
async function converse(ctx: RuntimeContext, sandbox: Sandbox, helper: HelperChannel, record: ContainerRecord, hooks: HookSet) {
  for (;;) {
    const m = await helper.next();
    // The wait for each message: 'helper.recv.hooks' is the helper's mounts (native/README.md).
    mark('helper.recv', m.type);
    switch (m.type) {
      case 'pid':
        record.pid = m.pid;
        record.startTime = ctx.processInfo(m.pid)?.startTime;
        ctx.store.save(record);
        mark('state.write');
        break;
      case 'hooks': {
        const creating = hookState(record, 'creating');
        await runHooks(ctx.runHook, 'prestart', hooks.prestart, creating);
        mark('hooks.prestart');
        await runHooks(ctx.runHook, 'createRuntime', hooks.createRuntime, creating);
        mark('hooks.createRuntime');
        helper.send([['state-creating', creating], ['state-created', hookState(record, 'created')], ['continue']]);
        mark('helper.send', 'continue');
        break;
      }
      case 'ready':
        return;
      case 'error':
        throw new RuntimeError('EHELPER', m.msg, { stage: m.stage, errno: m.errno });
      case 'eof':
        throw new RuntimeError('EHELPER', sandbox.exitReason(record) ?? 'container init exited unexpectedly');
    }
  }
}

/**
 * Undoes a failed create: kill what the helper started, tear down the backend,
 * drop the state. When cleanup itself fails the directory stays, as an
 * abandoned `creating` record that `delete --force` finishes.
 */
async function abandon(ctx: RuntimeContext, sandbox: Sandbox, record: ContainerRecord, helper: HelperChannel | undefined, recovery: unknown) {
  try {
    await killInit(ctx, record);
    if (helper) {
      helper.kill();
      await helper.exited();
      helper.detach();
    }
    sandbox.killAll(record, 9);
    // A setUp that failed has no result to name what it made: the backend finds it as
    // delete --force does, from the id and the recovery data.
    if (record.sandbox === undefined) await sandbox.recover(record.id, recovery);
    else await sandbox.tearDown(record);
  } catch (err) {
    ctx.log.warn(`${record.id}: cleanup after failed create: ${(err as Error).message}; 'delete --force ${record.id}' retries it`);
    return;
  }
  ctx.store.remove(record.id);
}
