// What differs between runtimes, behind one small interface. This file is the browser / Web
// Worker / edge default and holds no Node-only code and no worker code (the inference entry
// imports it): bundlers and edge runtimes take it as it
// is. The Node entries (src/node.ts, src/infer.node.ts, chosen by the package's `exports`
// conditions) install src/platform.node.ts instead, which reads files and uses worker_threads.

/** A started pool worker. */
export interface WorkerHandle {
  terminate(): unknown;
  /** Lets the process exit while this worker idles (Node, Bun); absent elsewhere. */
  unref?(): void;
}

/** What the pool sends a new worker (src/worker-core.ts `start`). */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  pool: number;
  id: number;
  /** Word of the pool block that counts failed workers (abi.POOL_FAILED). */
  failed: number;
}

export interface Platform {
  /** Reads a file: URL; absent where there is no file system (fetch is used for the rest). */
  readFile?(url: URL): Promise<Uint8Array>;
  /**
   * The base a relative string given to init() resolves against (a page's URL, Node's cwd);
   * a promise where finding it loads a module (the inference entry's Node platform).
   */
  baseUrl(): string | undefined | Promise<string | undefined>;
  /** Logical cores. */
  hardwareThreads(): number;
  /** Whether a runtime that can run threads uses the threaded build by default (see src/wasm.ts). */
  readonly sharedByDefault: boolean;
  /**
   * Starts a pool worker from `url` (or the package's own worker script) and sends it `start`;
   * absent where the pool's default, a module Worker (src/threads.ts), serves.
   */
  startWorker?(url: URL | undefined, start: WorkerStart): { worker: WorkerHandle; ready: Promise<void> };
}

const g = globalThis as unknown as {
  document?: { baseURI?: string };
  location?: { href?: string };
  navigator?: { hardwareConcurrency?: number };
};

export const webPlatform: Platform = {
  baseUrl: () => g.document?.baseURI ?? g.location?.href,
  hardwareThreads: () => g.navigator?.hardwareConcurrency || 1,
  // A page loads the threaded build only when a network asks for threads.
  sharedByDefault: false,
};

let current: Platform = webPlatform;

export function platform(): Platform {
  return current;
}

/** Installs the Node platform (src/node.ts and src/infer.node.ts do, once, at import). */
export function setPlatform(p: Platform): void {
  current = p;
}
