/**
 * Types for the parts of the `azurite` package that local/azurite uses. Azurite ships no declarations; these
 * mirror dist/src/table/TableServer.js and TableConfiguration.js of azurite 3.37 (checked by the integration test).
 */
declare module 'azurite/dist/src/table/TableConfiguration' {
  export default class TableConfiguration {
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      metadataDBPath?: string,
      enableDebugLog?: boolean,
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
      debugLogFilePath?: string,
      loose?: boolean,
      skipApiVersionCheck?: boolean,
      cert?: string,
      key?: string,
      pwd?: string,
      oauth?: string,
      disableProductStyleUrl?: boolean,
      isMemoryPersistence?: boolean,
    );
  }
}

declare module 'azurite/dist/src/table/TableServer' {
  import type TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
  import type { Server } from 'node:http';

  export default class TableServer {
    constructor(configuration?: TableConfiguration);
    readonly httpServer: Server;
    start(): Promise<void>;
    close(): Promise<void>;
    /** e.g. `http://127.0.0.1:10002`, with the real port when listening on port 0. */
    getHttpServerAddress(): string;
    getStatus(): 'Closed' | 'Starting' | 'Running' | 'Closing';
  }
}
