/** Types for bench/walk.mjs, plain JavaScript so that it runs as a program without a TypeScript loader. */
export function walk(path: string): number;
