// Types of containerd.mjs for the TypeScript tests.
export declare const REPO: string;
export declare const SHIM: string;
export declare const IMAGE: string;
export declare function haveContainerd(): boolean;
export declare function pidsWith(...parts: string[]): number[];

export interface Containerd {
  dir: string;
  sock: string;
  shimRoot: string;
  namespace: string;
  ctr(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  /** runj shim processes serving this containerd, running now. */
  shims(): number[];
  stop(): Promise<void>;
}

export declare function startContainerd(opts?: { namespace?: string; env?: Record<string, string> }): Promise<Containerd>;
