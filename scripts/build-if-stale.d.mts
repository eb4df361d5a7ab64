// Types for scripts/build-if-stale.mjs (plain JavaScript so the launchers need no TypeScript).
export declare const ROOT: string;
export declare function isStale(entry: string): boolean;
export declare function buildIfStale(options: { entry: string; log: (line: string) => void; force?: boolean }): { ok: true; built: boolean } | { ok: false; output: string };
