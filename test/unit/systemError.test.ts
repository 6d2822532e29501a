// systemError names the action and the system's reason once: Node's fs errors
// already begin their message with the code ("ENOENT: no such file ...").
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RuntimeError, systemError } from '../../src/core/errors.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
};

describe('systemError', () => {
  it("words an fs error as '<action>: <code>: <reason>', the code once", () => {
    const err = thrown(() => fs.readFileSync('/nonexistent-runj-test/config.json'));
    const e = systemError('read /nonexistent-runj-test/config.json', err);
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.code).toBe('ESYSTEM');
    expect(e.message).toBe("read /nonexistent-runj-test/config.json: ENOENT: no such file or directory, open '/nonexistent-runj-test/config.json'");
    expect(e.details).toEqual({ errno: 'ENOENT' });
  });

  it('adds the code to a message that lacks it, and words anything else as text', () => {
    const coded = Object.assign(new Error('the lock is held'), { code: 'EAGAIN' });
    expect(systemError('lock x', coded).message).toBe('lock x: EAGAIN: the lock is held');
    expect(systemError('lock x', 'gone').message).toBe('lock x: gone');
  });
});
