// The console's entry: read the runtime config, then hand over to the app.
import { loadConfig } from "./config";

async function start(): Promise<void> {
  const main = document.getElementById("main")!;
  try {
    const config = await loadConfig();
    main.textContent = `Console for ${config.environment}`;
  } catch (e) {
    main.textContent = `The console could not start: ${(e as Error).message}`;
  }
}

void start();
