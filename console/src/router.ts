// The hash routes of the console (CONSOLE.md decision 6). Each segment after
// "#/" is URL-encoded, so an email with any character is one segment.

export type RouteName = "users" | "user" | "history" | "create" | "groups" | "group" | "import" | "export" | "notFound";

export interface Route {
  name: RouteName;
  /** The decoded segments the view needs: the email, or the group. */
  params: string[];
}

/** Parses location.hash; an empty hash is the users list. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  if (path === "") return { name: "users", params: [] };
  let seg: string[];
  try {
    seg = path.split("/").map(decodeURIComponent);
  } catch {
    return { name: "notFound", params: [] };
  }
  if (seg.some((s) => s === "")) return { name: "notFound", params: [] };
  const [head, ...rest] = seg;
  switch (head) {
    case "users":
      if (rest.length === 0) return { name: "users", params: [] };
      if (rest.length === 1) return { name: "user", params: rest };
      if (rest.length === 2 && rest[1] === "history") return { name: "history", params: [rest[0]] };
      break;
    case "groups":
      if (rest.length === 0) return { name: "groups", params: [] };
      if (rest.length === 1) return { name: "group", params: rest };
      break;
    case "create":
    case "import":
    case "export":
      if (rest.length === 0) return { name: head, params: [] };
      break;
  }
  return { name: "notFound", params: [] };
}

/** The hash of a route: href("users", email) is "#/users/<email encoded>". */
export function href(...segments: string[]): string {
  return "#/" + segments.map(encodeURIComponent).join("/");
}

/** The document title of a route. */
export function titleOf(r: Route, environment: string): string {
  const page: Record<RouteName, string> = {
    users: "Users",
    user: r.params[0] ?? "User",
    history: `History of ${r.params[0] ?? "a user"}`,
    create: "New user",
    groups: "Groups",
    group: `Group ${r.params[0] ?? ""}`.trim(),
    import: "Import users",
    export: "Export users",
    notFound: "Page not found",
  };
  return `${page[r.name]} · User administration${environment ? ` (${environment})` : ""}`;
}
