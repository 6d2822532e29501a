import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_METHODS, TASK_SERVICES, registerTaskService } from '../../../src/shim/taskApi.js';
import { TtrpcClient } from '../../../src/shim/ttrpc/client.js';
import { TtrpcServer } from '../../../src/shim/ttrpc/server.js';
import { Code, StatusError } from '../../../src/shim/ttrpc/status.js';

describe('Task service registration', () => {
  it('has the 17 RPCs of the protocol', () => {
    expect(Object.keys(TASK_METHODS).sort()).toEqual(
      ['Checkpoint', 'CloseIO', 'Connect', 'Create', 'Delete', 'Exec', 'Kill', 'Pause', 'Pids', 'ResizePty', 'Resume', 'Shutdown', 'Start', 'State', 'Stats', 'Update', 'Wait'].sort(),
    );
  });

  it('serves handlers under v2 and v3 and answers Unimplemented for the rest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-task-'));
    const server = new TtrpcServer();
    registerTaskService(server, { Pids: (req) => ({ processes: [{ pid: req.id.length }] }) });
    await server.listen(path.join(dir, 's'));
    const client = await TtrpcClient.connect(path.join(dir, 's'));
    try {
      for (const svc of TASK_SERVICES) {
        const [req, res] = TASK_METHODS.Pids;
        expect((await client.call(svc, 'Pids', req, { id: 'abc' }, res)).processes).toEqual([{ pid: 3, info: undefined }]);
        for (const name of Object.keys(TASK_METHODS) as (keyof typeof TASK_METHODS)[]) {
          if (name === 'Pids') continue;
          const [q, r] = TASK_METHODS[name];
          const err = await client.call(svc, name, q as never, {}, r).catch((e: unknown) => e);
          expect(err, `${svc}/${name}`).toBeInstanceOf(StatusError);
          expect([(err as StatusError).code, (err as StatusError).message]).toEqual([Code.Unimplemented, `${name} is not implemented`]);
        }
      }
    } finally {
      client.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
