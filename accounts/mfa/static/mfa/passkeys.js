/* Passkeys in the browser: sign in, the second step, and the passkeys page.
   Served from our static files (script-src 'self'); no inline script, no CDN.
   Elements opt in with data-passkey="login" | "second-step" | "add" | "remove". */
(function () {
  "use strict";

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    const bytes = new Uint8Array(buffer);
    let raw = "";
    bytes.forEach((b) => { raw += String.fromCharCode(b); });
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    const copy = Object.assign({}, options);
    copy.challenge = toBytes(options.challenge);
    copy.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
    copy.excludeCredentials = (options.excludeCredentials || []).map(
      (c) => Object.assign({}, c, { id: toBytes(c.id) }));
    return copy;
  }

  function requestOptions(options) {
    const copy = Object.assign({}, options);
    copy.challenge = toBytes(options.challenge);
    copy.allowCredentials = (options.allowCredentials || []).map(
      (c) => Object.assign({}, c, { id: toBytes(c.id) }));
    return copy;
  }

  function credentialJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      if (response.userHandle) json.response.userHandle = toText(response.userHandle);
    }
    return json;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const messages = Object.values(data).flat().join(" ");
      throw new Error(messages || response.statusText);
    }
    return data;
  }

  function say(root, text) {
    const box = root.querySelector("[data-passkey-message]");
    if (box) box.textContent = text;
  }

  // "Sign in with a passkey": options from the API, then a form post that opens the session.
  async function login(root) {
    const form = root.querySelector("form");
    try {
      const started = await api("POST", root.dataset.beginUrl);
      const credential = await navigator.credentials.get(
        { publicKey: requestOptions(started.options) });
      form.querySelector("[name=ceremony]").value = started.ceremony;
      form.querySelector("[name=credential]").value = JSON.stringify(credentialJSON(credential));
      form.submit();
    } catch (error) {
      say(root, root.dataset.failed || String(error.message || error));
    }
  }

  // The second page after the password: the options are in the page (JSON, not a script).
  async function secondStep(root) {
    const options = JSON.parse(document.getElementById(root.dataset.optionsId).textContent);
    const form = root.querySelector("form");
    try {
      const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
      form.querySelector("[name=credential]").value = JSON.stringify(credentialJSON(credential));
      form.submit();
    } catch (error) {
      say(root, root.dataset.failed || String(error.message || error));
    }
  }

  // The password, and a typed code; with no code typed and a passkey on the account, one of
  // its passkeys confirms instead (its check gives a one-time code).
  async function reauth(root) {
    const body = { password: root.querySelector("[name=password]").value };
    const code = root.querySelector("[name=code]").value.trim();
    if (code) {
      body.code = code;
    } else if (root.dataset.reauthUrl) {
      const started = await api("POST", root.dataset.reauthBeginUrl);
      const credential = await navigator.credentials.get(
        { publicKey: requestOptions(started.options) });
      const checked = await api("POST", root.dataset.reauthUrl, {
        ceremony: started.ceremony, credential: credentialJSON(credential) });
      body.code = checked.code;
    }
    return body;
  }

  async function add(root) {
    try {
      const started = await api("POST", root.dataset.beginUrl, await reauth(root));
      const credential = await navigator.credentials.create(
        { publicKey: creationOptions(started.options) });
      const name = root.querySelector("[name=name]").value || "Passkey";
      const created = await api("POST", root.dataset.url, {
        ceremony: started.ceremony, credential: credentialJSON(credential), name: name });
      let text = root.dataset.added;
      if (created.recovery_codes) text += " " + root.dataset.codes + " " + created.recovery_codes.join("  ");
      say(root, text);
      if (!created.recovery_codes) window.location.reload();
    } catch (error) {
      say(root, String(error.message || error));
    }
  }

  async function remove(root, button) {
    try {
      await api("DELETE", button.dataset.url, await reauth(root));
      window.location.reload();
    } catch (error) {
      say(root, String(error.message || error));
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-passkey-action]");
    if (!button) return;
    event.preventDefault();
    const root = button.closest("[data-passkey]");
    const action = button.dataset.passkeyAction;
    // Removing needs no passkey support unless a passkey is to confirm it (no code typed).
    const codeTyped = root.querySelector("[name=code]") && root.querySelector("[name=code]").value.trim();
    if (!window.PublicKeyCredential && (action !== "remove" || (root.dataset.reauthUrl && !codeTyped))) {
      say(root, root.dataset.unsupported || "This browser has no passkey support.");
      return;
    }
    if (action === "login") login(root);
    else if (action === "second-step") secondStep(root);
    else if (action === "add") add(root);
    else if (action === "remove") remove(root, button);
  });
})();
