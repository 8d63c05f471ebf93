// The runtime config (console.RuntimeConfig in console/console.go), served
// beside the app as /config.json by the stack or by local mode.
export interface PasswordPolicy {
  minLength: number;
  requireLowercase: boolean;
  requireUppercase: boolean;
  requireDigits: boolean;
  requireSymbols: boolean;
}

/** A declared custom attribute (settings.CustomAttribute in lambda/settings). */
export interface CustomAttribute {
  name: string;
  type: "String" | "Number";
  maxLength?: number;
  min?: number;
  max?: number;
}

export interface RuntimeConfig {
  environment: string;
  region: string;
  apiUrl: string;
  userPoolId: string;
  clientId: string;
  cognitoEndpoint?: string;
  passwordPolicy: PasswordPolicy;
  /** The environment's declared custom attributes; the edit form offers each. */
  customAttributes?: CustomAttribute[];
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  const resp = await fetchImpl("/config.json", { cache: "no-store" });
  if (!resp.ok) throw new Error(`config.json: HTTP ${resp.status}`);
  const c = (await resp.json()) as RuntimeConfig;
  for (const k of ["region", "apiUrl", "userPoolId", "clientId"] as const) {
    if (!c[k]) throw new Error(`config.json has no ${k}`);
  }
  return c;
}
