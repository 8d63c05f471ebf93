// The sign-in pages: email and password, then whatever Cognito asks (a new
// password, setting up an authenticator app, a TOTP code). Each step is a
// form with visible labels; errors are role="alert" with Cognito's code.
import qrcode from "qrcode-generator";
import type { Auth, Step } from "./auth";
import type { PasswordPolicy } from "./config";
import { field, h, replace } from "./dom";
import { describePolicy, newPasswordProblem } from "./password";
import { busy, errorBox, heading, problemBox, statusLine } from "./ui";

/** Draws the otpauth:// URI as a QR code, a data: URL image (the CSP allows data: images only). */
export function qrImage(uri: string): HTMLImageElement {
  const qr = qrcode(0, "M");
  qr.addData(uri);
  qr.make();
  return h("img", { class: "qr", src: qr.createDataURL(4, 2), alt: "QR code of the authenticator app's secret", width: 200, height: 200 });
}

/** What the page titles end with (set by the app: "User administration (env)"). */
let brand = "User administration";
export function setBrand(b: string): void {
  brand = b;
}

/** Names the page after its heading and moves focus there, as every page change does. */
function focusHeading(root: HTMLElement): void {
  const h1 = root.querySelector<HTMLElement>("h1");
  if (h1) document.title = `${h1.textContent} · ${brand}`;
  h1?.focus();
}

/** A form whose submit runs action with its button disabled and a status line; errors go in an alert. */
function form(buttonText: string, controls: HTMLElement[], action: (errors: HTMLElement) => Promise<void>): HTMLFormElement {
  const errors = h("div", { class: "errors" });
  const status = statusLine();
  const button = h("button", { type: "submit" }, buttonText);
  const f = h("form", { novalidate: true }, errors, ...controls, h("div", { class: "actions" }, button), status);
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    replace(errors);
    void busy(button, status, "Working…", () => action(errors)).catch((e) => replace(errors, errorBox(e)));
  });
  return f;
}

export function codeInput(): HTMLInputElement {
  return h("input", { type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: 6, required: true });
}

/** The MFA setup step: the QR code and the secret, then the first code. */
export function mfaSetupPanel(root: HTMLElement, secret: string, uri: string, intro: string, verify: (code: string) => Promise<void>): void {
  const code = codeInput();
  replace(
    root,
    heading("Set up your authenticator app"),
    h("p", {}, intro),
    h("p", {}, "Scan this QR code with an authenticator app (or type the secret below into it), then enter the 6-digit code it shows."),
    qrImage(uri),
    h("p", {}, "Secret: ", h("code", { class: "secret" }, secret)),
    form("Verify code", [field("Code", code)], async (errors) => {
      if (!/^\d{6}$/.test(code.value.trim())) {
        replace(errors, problemBox("Enter the 6-digit code from your authenticator app."));
        code.focus();
        return;
      }
      await verify(code.value);
    }),
  );
  focusHeading(root);
}

/**
 * Runs the sign-in pages in root until the caller is signed in, then calls
 * done. message is shown above the form (why the caller is here again).
 */
export function renderSignIn(root: HTMLElement, auth: Auth, policy: PasswordPolicy, message: string | undefined, done: () => void): void {
  const show = (step: Step): void => {
    switch (step.kind) {
      case "signedIn":
        done();
        return;
      case "newPassword":
        return newPasswordPage();
      case "mfaSetup":
        return mfaSetupPanel(root, step.secret, step.uri, "This account needs a second factor before it can sign in.", async (code): Promise<void> => show(await auth.verifyMfaSetup(code)));
      case "totp":
        return totpPage();
    }
  };

  const signInPage = () => {
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    replace(
      root,
      heading("Sign in"),
      message ? h("p", { class: "notice", role: "status" }, message) : null,
      form("Sign in", [field("Email", email), field("Password", password)], async (errors) => {
        if (!email.value.trim() || !password.value) {
          replace(errors, problemBox("Enter your email and password."));
          (email.value.trim() ? password : email).focus();
          return;
        }
        const step = await auth.signIn(email.value, password.value);
        password.value = "";
        show(step);
      }),
    );
    focusHeading(root);
  };

  const newPasswordPage = () => {
    const pw = h("input", { type: "password", name: "new-password", autocomplete: "new-password", required: true });
    const confirm = h("input", { type: "password", name: "confirm-password", autocomplete: "new-password", required: true });
    replace(
      root,
      heading("Set a new password"),
      h("p", {}, "This is your first sign-in (or your password was reset): choose a new password."),
      form("Set password", [
        // For password managers: which account the new password belongs to (hidden, so not a control).
        h("input", { type: "text", name: "username", autocomplete: "username", value: auth.signingInAs(), hidden: true, readonly: true, tabindex: "-1" }),
        field("New password", pw, describePolicy(policy)),
        field("Confirm new password", confirm),
      ], async (errors) => {
        // Checked here first so the form names the rule; Cognito checks again.
        const problem = newPasswordProblem(pw.value, confirm.value, policy);
        if (problem) {
          replace(errors, problemBox(problem));
          pw.focus();
          return;
        }
        const step = await auth.newPassword(pw.value);
        pw.value = confirm.value = "";
        show(step);
      }),
    );
    focusHeading(root);
  };

  const totpPage = () => {
    const code = codeInput();
    replace(
      root,
      heading("Enter your code"),
      h("p", {}, "Enter the 6-digit code your authenticator app shows."),
      form("Verify code", [field("Code", code)], async (errors) => {
        if (!/^\d{6}$/.test(code.value.trim())) {
          replace(errors, problemBox("Enter the 6-digit code from your authenticator app."));
          code.focus();
          return;
        }
        show(await auth.totp(code.value));
      }),
    );
    focusHeading(root);
  };

  signInPage();
}
