// What each control of the console needs, as data: the permission of the
// API route behind it (docs/roles.md, lambda/access). The console shows a
// control only when the caller holds its permission; the API still decides.
import type { Group } from "./api";

export const ACTIONS = {
  listUsers: "users:read",
  viewUser: "users:read",
  listGroups: "users:read",
  viewGroup: "users:read",
  createUser: "users:create",
  resendInvitation: "users:invite",
  disable: "users:disable",
  enable: "users:disable",
  signOut: "users:sign-out",
  deleteUser: "users:delete",
  resetPassword: "users:password:reset",
  temporaryPassword: "users:password",
  removeMfa: "users:mfa",
  editUser: "users:edit",
  assignGroup: "groups:assign",
  grantRole: "roles:grant",
  history: "audit:read",
  importUsers: "users:create",
  exportUsers: "users:read",
} as const;

export type Action = keyof typeof ACTIONS;

/** Narrower permissions a permission holds too (lambda/access `implies`). */
const IMPLIES: Record<string, string[]> = { "users:password": ["users:password:reset"] };

/** Whether permissions (as GET /me lists them) hold permission, directly or by implication. */
export function holds(permissions: readonly string[], permission: string): boolean {
  return permissions.some((p) => p === permission || (IMPLIES[p] ?? []).includes(permission));
}

/** Whether permissions allow action. */
export function allows(permissions: readonly string[], action: Action): boolean {
  return holds(permissions, ACTIONS[action]);
}

/** A role's group: its members may call the API (admin groups are the roles). */
export function isRole(g: Pick<Group, "admin" | "permissions">): boolean {
  return g.admin || (g.permissions?.length ?? 0) > 0;
}

/** The action a membership change of group is: granting a role, or assigning a group. */
export function membershipAction(g: Pick<Group, "admin" | "permissions">): Action {
  return isRole(g) ? "grantRole" : "assignGroup";
}

export interface NavItem {
  label: string;
  hash: string;
  action: Action;
}

/** The header's links, each shown only to callers who may use its page. */
export const NAV: NavItem[] = [
  { label: "Users", hash: "#/users", action: "listUsers" },
  { label: "New user", hash: "#/create", action: "createUser" },
  { label: "Groups", hash: "#/groups", action: "listGroups" },
  { label: "Import", hash: "#/import", action: "importUsers" },
  { label: "Export", hash: "#/export", action: "exportUsers" },
];

export function navFor(permissions: readonly string[]): NavItem[] {
  return NAV.filter((n) => allows(permissions, n.action));
}
