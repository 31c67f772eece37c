// Types for the part of node:sqlite the Deno server uses: the pinned @types/node (Node 20) predates
// the module, and Deno type-checks `node:` imports against that package.
declare module "node:sqlite" {
  export type SQLInputValue = null | number | bigint | string | Uint8Array;
  export class StatementSync {
    all(...params: SQLInputValue[]): Array<Record<string, SQLInputValue>>;
  }
  export class DatabaseSync {
    constructor(path: string);
    readonly isOpen: boolean;
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
  }
}
