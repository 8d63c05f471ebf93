// The console's entry: read the runtime config, then hand over to the app.
import { App } from "./app";
import { loadConfig } from "./config";
import { h, replace } from "./dom";
import { errorBox } from "./ui";

async function start(): Promise<void> {
  const main = document.getElementById("main")!;
  try {
    const config = await loadConfig();
    await new App(config, document.getElementById("top")!, main, document.getElementById("toasts")!).start();
  } catch (e) {
    replace(main, h("h1", { tabindex: "-1" }, "The console could not start"), errorBox(e));
  }
}

void start();
