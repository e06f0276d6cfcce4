/**
 * Mainframe OS SDK: what the app host injects into every app page as `window.mainframe` and
 * `window.ethereum`, and what `mainframe-sdk.mjs` re-exports.
 *
 * Every call returns a Promise; failures reject with a ProviderRpcError carrying an EIP-1193 or
 * JSON-RPC `code` (4001 user rejected, 4100 unauthorized, 4200 unsupported, 4900 disconnected,
 * -32602 invalid params, -32005 rate limited, 6xxx app errors).
 */

export interface RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export declare class ProviderRpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
}

export interface JsonRpcPayload {
  readonly id?: unknown;
  readonly jsonrpc?: '2.0';
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export type ProviderEvent = 'connect' | 'disconnect' | 'chainChanged' | 'accountsChanged' | 'message';

/** EIP-1193 provider, announced through EIP-6963 (rdns "org.mainframe.os"). */
export interface MainframeEthereumProvider {
  readonly isMainframe: true;
  /** true by default: many dapps unlock only for MetaMask-compatible providers (EIP-6963 names us). */
  readonly isMetaMask: boolean;
  readonly chainId: string | null;
  /** Deprecated in MetaMask too: the chain id in decimal. */
  readonly networkVersion: string | null;
  readonly selectedAddress: string | null;
  /** Legacy callback API (web3.js 0.x): one payload or a batch. */
  sendAsync(payload: JsonRpcPayload | JsonRpcPayload[], callback: (error: ProviderRpcError | null, response: any) => void): void;
  /** Legacy: send(method, params) resolves the JSON-RPC response object {id, jsonrpc, result}. */
  send(method: string, params?: unknown[]): Promise<{ id: unknown; jsonrpc: '2.0'; result: unknown }>;
  send(payload: JsonRpcPayload, callback: (error: ProviderRpcError | null, response: any) => void): void;
  request(args: RequestArguments): Promise<unknown>;
  isConnected(): boolean;
  /** Legacy alias of eth_requestAccounts. */
  enable(): Promise<string[]>;
  on(event: 'connect', listener: (info: { chainId: string }) => void): this;
  on(event: 'disconnect', listener: (error: ProviderRpcError) => void): this;
  on(event: 'chainChanged', listener: (chainId: string) => void): this;
  on(event: 'accountsChanged', listener: (accounts: string[]) => void): this;
  on(event: 'message', listener: (message: { type: string; data: unknown }) => void): this;
  once(event: ProviderEvent, listener: (...args: any[]) => void): this;
  addListener(event: ProviderEvent, listener: (...args: any[]) => void): this;
  removeListener(event: ProviderEvent, listener: (...args: any[]) => void): this;
  off(event: ProviderEvent, listener: (...args: any[]) => void): this;
  removeAllListeners(event?: ProviderEvent): this;
  listenerCount(event: ProviderEvent): number;
}

export interface PickedContact {
  /** An id only this app sees for this contact (stable across calls). */
  readonly id: string;
  readonly displayName: string;
}

export interface StoredFile {
  readonly name: string;
  readonly mime: string | null;
  readonly size: number;
  readonly data: Uint8Array;
}

export interface FileInfo {
  readonly name: string;
  readonly size: number;
  readonly mime: string | null;
  readonly updatedAt: number;
}

export type Currency = 'ETH' | 'MFT' | 'DAI';

export interface MainframeSDK {
  readonly apiVersion: number;
  readonly ethereum: MainframeEthereumProvider;
  readonly ProviderRpcError: typeof ProviderRpcError;
  readonly errorCodes: Readonly<Record<string, number>>;
  /** Every node method this app may call (generated from the node's registry). */
  readonly methods: readonly string[];
  /** Resolves true once the bridge to Mainframe OS is up. */
  readonly ready: Promise<boolean>;
  /** Call any app-visible node method by wire name. */
  call<T = unknown>(method: string, params?: object | unknown[]): Promise<T>;
  /** The same methods by namespace: api.storage.get({key}) */
  readonly api: Readonly<Record<string, Readonly<Record<string, (params?: object) => Promise<unknown>>>>>;
  readonly identity: {
    get(): Promise<{ displayName: string; id: string }>;
  };
  readonly payments: {
    /** The user approves the decoded payment in a Mainframe OS dialog. Needs BLOCKCHAIN_SEND. */
    payContact(opts: { contact: string; currency?: Currency; amount: string | number }): Promise<Record<string, unknown>>;
  };
  readonly contacts: {
    /** The user picks in a Mainframe OS dialog. Needs CONTACTS_READ. */
    select(opts?: { multi?: boolean }): Promise<PickedContact[]>;
  };
  readonly notifications: {
    show(opts: { title: string; body?: string } | string): Promise<boolean>;
  };
  /** App-private data, encrypted in the user's vault, per identity. Needs STORAGE. */
  readonly storage: {
    get<T = unknown>(key: string): Promise<T | null>;
    set(key: string, value: unknown): Promise<boolean>;
    delete(key: string): Promise<boolean>;
    list(prefix?: string): Promise<string[]>;
    readonly files: {
      write(name: string, data: string | Uint8Array | ArrayBuffer, mime?: string): Promise<{ name: string; size: number; mime: string }>;
      read(name: string): Promise<StoredFile | null>;
      readText(name: string): Promise<string | null>;
      delete(name: string): Promise<boolean>;
      list(prefix?: string): Promise<FileInfo[]>;
    };
  };
  /** Files of any size, encrypted in the user's file store (Files → Apps), read and written as
   * streams of pieces. Needs FILES. */
  readonly files: {
    openWrite(name: string, mime?: string): Promise<{
      write(data: string | Uint8Array | ArrayBuffer): Promise<{ size: number }>;
      close(): Promise<{ name: string; size: number; mime: string | null }>;
      abort(): Promise<boolean>;
    }>;
    openRead(name: string): Promise<{ size: number; read(size?: number): Promise<Uint8Array | null>; close(): Promise<boolean> }>;
    write(name: string, data: string | Uint8Array | ArrayBuffer, mime?: string): Promise<{ name: string; size: number; mime: string | null }>;
    read(name: string): Promise<Uint8Array>;
    list(): Promise<{ name: string; size: number; mime: string | null; addedAt: number }[]>;
    delete(name: string): Promise<boolean>;
    /** The user picks a file in a launcher dialog; it is added to the app's files. The app gets
     * its name (maybe "name (2).ext"), size and type, never its path; null if cancelled. */
    pick(): Promise<{ name: string; size: number; mime: string | null } | null>;
  };
}

declare global {
  interface Window {
    readonly mainframe: MainframeSDK;
    readonly ethereum: MainframeEthereumProvider;
  }
}

declare const mainframe: MainframeSDK;
export default mainframe;
export declare const apiVersion: MainframeSDK['apiVersion'];
export declare const ethereum: MainframeSDK['ethereum'];
export declare const payments: MainframeSDK['payments'];
export declare const contacts: MainframeSDK['contacts'];
export declare const storage: MainframeSDK['storage'];
export declare const files: MainframeSDK['files'];
export declare const notifications: MainframeSDK['notifications'];
export declare const identity: MainframeSDK['identity'];
export declare const call: MainframeSDK['call'];
export declare const api: MainframeSDK['api'];
export declare const methods: MainframeSDK['methods'];
export declare const errorCodes: MainframeSDK['errorCodes'];
export declare const ready: MainframeSDK['ready'];
