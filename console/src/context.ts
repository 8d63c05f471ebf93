// What the app gives each view: the config, the API, the caller as GET /me
// describes them, and the shared ways to report.
import type { Api, Me } from "./api";
import type { RuntimeConfig } from "./config";

export interface Context {
  config: RuntimeConfig;
  api: Api;
  /** The caller's roles, permissions and scope (GET /me), read at sign-in. */
  me: Me;
  /** Whether the caller holds permission (e.g. "users:create"); the API still decides. */
  can(permission: string): boolean;
  /** Goes to a route of the app, e.g. "#/users/a%40b.com". */
  navigate(hash: string): void;
  /** Shows an error (an ApiError with its code, message and request id, or any Error) in place. */
  showError(where: HTMLElement, e: unknown): void;
  /** A short confirmation in the live region. */
  notify(message: string): void;
  /** Where long-lived client state (the import ledgers) is kept: localStorage in the browser. */
  storage: Storage;
}

/** A view renders into root; route params are the hash's segments after the view's name, decoded. */
export type View = (ctx: Context, root: HTMLElement, params: string[]) => void | Promise<void>;
