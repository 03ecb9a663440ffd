// sgo's GraphQL console: login, queries, examples for the signed-in roles, history, schema.
// Plain JavaScript with no dependencies: it talks only to the server that served it.
"use strict";

(() => {
  const ENDPOINT = window.location.pathname;
  const ASSETS = new URL("console/", window.location.href);
  const TOKEN_KEY = "sgo.console.token";
  const LOGIN_KEY = "sgo.console.login";
  const MUST_CHANGE_KEY = "sgo.console.mustChangePassword";
  const DRAFT_KEY = "sgo.console.draft";
  const HISTORY_KEY = "sgo.console.history";  // + the login: each user their own
  const HISTORY_SIZE = 50;

  const LOGIN = `mutation Login($login: String!, $password: String!) {
  login(login: $login, password: $password) {
    accessToken mustChangePassword passwordExpiresAt passwordExpiresSoon
  }
}`;
  const CHANGE_PASSWORD = `mutation ChangePassword($oldPassword: String!, $newPassword: String!) {
  changePassword(oldPassword: $oldPassword, newPassword: $newPassword)
}`;
  const LOGOUT = "mutation Logout { logout }";
  const ME = `query ConsoleMe {
  me { login person { id fullName } roles { code label } school { name timezone } }
}`;
  const CHILDREN = "query ConsoleChildren { myChildren { id } }";
  const LOAD = "query ConsoleLoad { teachingLoad { schoolClass { id } subject { id } } }";
  const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name " +
    "ofType { kind name ofType { kind name } } } } }";
  const INTROSPECTION = `query ConsoleSchema {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name description
      fields {
        name description
        args { name description defaultValue type { ${TYPE_REF} } }
        type { ${TYPE_REF} }
      }
      inputFields { name description defaultValue type { ${TYPE_REF} } }
      enumValues { name description }
    }
  }
}`;

  const $ = (id) => document.getElementById(id);
  const state = { me: null, examples: [], context: {}, schema: null };

  // --- talking to the server -----------------------------------------------------------

  async function graphql(query, variables, token, operationName) {
    const headers = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    };
    if (token) headers.authorization = `Bearer ${token}`;
    const started = performance.now();
    let response;
    try {
      response = await fetch(ENDPOINT, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables: variables || {}, operationName }),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      const message = `Сервер недоступен: ${error.message}`;
      return { status: 0, ms: 0, body: { errors: [{ message }] } };
    }
    const ms = Math.round(performance.now() - started);
    let body;
    try {
      body = await response.json();
    } catch {
      const message = `Сервер ответил не JSON (HTTP ${response.status}).`;
      body = { errors: [{ message }] };
    }
    return { status: response.status, ms, body };
  }

  function errorText(body) {
    const messages = (body.errors || []).map((e) => e.message || String(e));
    return [...new Set(messages)].join("\n");
  }

  function hasCode(body, code) {
    return (body.errors || []).some((e) => e.extensions && e.extensions.code === code);
  }

  // The gateway refused the token itself (expired, ended, blocked): the answer has no data
  // at all. A field that answers UNAUTHENTICATED (a wrong password) still carries "data".
  function tokenRefused(body) {
    return !("data" in body) && hasCode(body, "UNAUTHENTICATED");
  }

  // --- the session (this tab only) -----------------------------------------------------

  const session = {
    get token() { return sessionStorage.getItem(TOKEN_KEY); },
    get login() { return sessionStorage.getItem(LOGIN_KEY) || ""; },
    get mustChange() { return sessionStorage.getItem(MUST_CHANGE_KEY) === "1"; },
    start(login, result) {
      sessionStorage.setItem(TOKEN_KEY, result.accessToken);
      sessionStorage.setItem(LOGIN_KEY, login);
      sessionStorage.setItem(MUST_CHANGE_KEY, result.mustChangePassword ? "1" : "0");
    },
    // A session that ended by itself keeps the draft for the next login; logging out does not.
    clear({ keepDraft = false } = {}) {
      const keys = [TOKEN_KEY, MUST_CHANGE_KEY, ...(keepDraft ? [] : [DRAFT_KEY])];
      for (const key of keys) sessionStorage.removeItem(key);
    },
  };

  function show(view) {
    $("loading").hidden = true;
    for (const name of ["login", "password", "console"]) $(`${name}-view`).hidden = name !== view;
    $("who").hidden = view === "login";
    document.body.dataset.view = view;
  }

  function say(element, text) {
    element.textContent = text || "";
    element.hidden = !text;
  }

  function showLogin(message, isError = true) {
    state.me = null;
    state.schema = null;
    $("schema-list").replaceChildren();
    $("schema-status").textContent = "";
    showList();
    selectTab("examples");
    $("response").textContent = "";
    $("status").textContent = "";
    $("who-name").textContent = "";
    $("who-roles").textContent = "";
    $("login-password").value = "";
    $("login-name").value = session.login;
    $("login-error").classList.toggle("error", isError);
    $("login-error").classList.toggle("muted", !isError);
    say($("login-error"), message);
    show("login");
    $(session.login ? "login-password" : "login-name").focus();
  }

  function sessionEnded(body) {
    session.clear({ keepDraft: true });
    showLogin(errorText(body) || "Сеанс завершён. Войдите снова.");
  }

  async function logIn(event) {
    event.preventDefault();
    const login = $("login-name").value.trim();
    const password = $("login-password").value;
    const button = $("login-submit");
    button.disabled = true;
    say($("login-error"), "");
    try {
      const { body } = await graphql(LOGIN, { login, password });
      if (!body.data || !body.data.login) {
        $("login-error").classList.replace("muted", "error");
        $("login-error").classList.add("error");
        say($("login-error"), errorText(body) || "Не удалось войти.");
        return;
      }
      session.start(login, body.data.login);
      $("login-password").value = "";
      if (body.data.login.mustChangePassword) {
        showPasswordChange(password);
      } else {
        await enterConsole(body.data.login);
      }
    } finally {
      button.disabled = false;
    }
  }

  function showPasswordChange(currentPassword) {
    $("password-old").value = currentPassword || "";
    $("password-new").value = "";
    $("password-repeat").value = "";
    $("who-name").textContent = session.login;
    say($("password-error"), "");
    show("password");
    $(currentPassword ? "password-new" : "password-old").focus();
  }

  async function changePassword(event) {
    event.preventDefault();
    const oldPassword = $("password-old").value;
    const newPassword = $("password-new").value;
    if (newPassword !== $("password-repeat").value) {
      say($("password-error"), "Новый пароль и его повтор не совпадают.");
      return;
    }
    const button = $("password-submit");
    button.disabled = true;
    say($("password-error"), "");
    try {
      const changed = await graphql(CHANGE_PASSWORD, { oldPassword, newPassword }, session.token);
      if (tokenRefused(changed.body)) return sessionEnded(changed.body);
      if (!changed.body.data || !changed.body.data.changePassword) {
        say($("password-error"), errorText(changed.body) || "Пароль не изменён.");
        return;
      }
      // The change ends every session of the account, this one too: sign in with the new one.
      const login = session.login;
      session.clear();
      const { body } = await graphql(LOGIN, { login, password: newPassword });
      if (!body.data || !body.data.login) {
        showLogin(`Пароль изменён. ${errorText(body)}`);
        return;
      }
      session.start(login, body.data.login);
      await enterConsole(body.data.login);
    } finally {
      button.disabled = false;
    }
  }

  async function logOut() {
    const token = session.token;
    session.clear();
    if (token) await graphql(LOGOUT, {}, token);  // the session ends on the server too
    showLogin("Вы вышли из системы.", false);
  }

  // --- after login ----------------------------------------------------------------------

  async function enterConsole(loginResult) {
    const { body } = await graphql(ME, {}, session.token);
    if (tokenRefused(body)) return sessionEnded(body);
    if (!body.data || !body.data.me) {
      if (session.mustChange) return showPasswordChange("");
      session.clear({ keepDraft: true });
      return showLogin(errorText(body) || "Не удалось получить данные учётной записи.");
    }
    const me = body.data.me;
    state.me = me;
    $("who-name").textContent = me.person.fullName;
    $("who-roles").textContent = me.roles.map((r) => r.label).join(", ");
    show("console");
    await loadExamples();
    restoreDraft();
    renderHistory();
    if (loginResult && loginResult.passwordExpiresSoon && loginResult.passwordExpiresAt) {
      const until = new Date(loginResult.passwordExpiresAt).toLocaleDateString("ru-RU");
      $("status").textContent = `Срок действия пароля истекает ${until}: смените его.`;
    }
    $("query").focus();
  }

  function todayIn(timezone) {
    const format = (tz) => new Intl.DateTimeFormat("en-CA", {
      timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
    }).format(new Date());
    try {
      return format(timezone);
    } catch {
      return format(undefined);
    }
  }

  function addDays(isoDate, days) {
    const day = new Date(`${isoDate}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + days);
    return day.toISOString().slice(0, 10);
  }

  async function resolveContext(needed) {
    const today = todayIn(state.me.school.timezone);
    const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;  // Monday is 0
    const monday = addDays(today, -weekday);
    const context = {
      today,
      "week.from": monday,
      "week.to": addDays(monday, 6),
      "me.person.id": state.me.person.id,
    };
    const token = session.token;
    if (needed.has("child.id")) {
      const { body } = await graphql(CHILDREN, {}, token);
      const children = (body.data && body.data.myChildren) || [];
      if (children.length) context["child.id"] = children[0].id;
    }
    if ([...needed].some((name) => name.startsWith("load."))) {
      const { body } = await graphql(LOAD, {}, token);
      const load = (body.data && body.data.teachingLoad) || [];
      if (load.length) {
        context["load.schoolClass.id"] = load[0].schoolClass.id;
        context["load.subject.id"] = load[0].subject.id;
      }
    }
    return context;
  }

  const PLACEHOLDER = /^\{\{([\w.]+)\}\}$/;

  function fill(variables, context) {
    const filled = {};
    for (const [name, value] of Object.entries(variables || {})) {
      const match = typeof value === "string" && value.match(PLACEHOLDER);
      filled[name] = match ? (context[match[1]] ?? "") : value;
    }
    return filled;
  }

  async function loadExamples() {
    let all = [];
    try {
      const response = await fetch(new URL("examples.json", ASSETS), { credentials: "omit" });
      all = (await response.json()).examples || [];
    } catch {
      all = [];
    }
    const codes = new Set(state.me.roles.map((r) => r.code));
    const mine = all.filter((e) => !e.roles.length || e.roles.some((r) => codes.has(r)));
    const needed = new Set();
    for (const example of mine) {
      for (const value of Object.values(example.variables || {})) {
        const match = typeof value === "string" && value.match(PLACEHOLDER);
        if (match) needed.add(match[1]);
      }
    }
    state.context = await resolveContext(needed);
    state.examples = mine;
    const list = $("examples");
    list.replaceChildren();
    for (const example of mine) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = example.title;
      button.addEventListener("click", () => {
        setEditor(example.query, fill(example.variables, state.context));
        $("query").focus();
      });
      const item = document.createElement("li");
      item.append(button);
      list.append(item);
    }
    if (!mine.length) list.append(Object.assign(document.createElement("li"), {
      textContent: "Для ваших ролей примеров нет.",
      className: "muted small",
    }));
  }

  // --- the editor -----------------------------------------------------------------------

  function setEditor(query, variables) {
    $("query").value = query;
    const empty = !variables || !Object.keys(variables).length;
    $("variables").value = empty ? "" : JSON.stringify(variables, null, 2);
    saveDraft();
  }

  function saveDraft() {
    const draft = {
      login: session.login, query: $("query").value, variables: $("variables").value,
    };
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }

  function restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
    } catch {
      draft = null;
    }
    if (draft && draft.query && draft.login === session.login) {
      $("query").value = draft.query;
      $("variables").value = draft.variables || "";
    } else if (state.examples.length) {
      const first = state.examples[0];
      setEditor(first.query, fill(first.variables, state.context));
    }
  }

  function operationAtCursor(text, cursor) {
    // With several named operations, run the one the cursor is in (as GraphiQL does).
    const found = [...text.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z]\w*)/g)];
    if (found.length < 2) return undefined;
    let chosen = found[0];
    for (const match of found) if (match.index <= cursor) chosen = match;
    return chosen[1];
  }

  function readVariables() {
    const raw = $("variables").value.trim();
    if (!raw) return {};
    let value;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new Error(`Переменные — не JSON: ${error.message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("Переменные — JSON-объект вида {\"имя\": значение}.");
    }
    return value;
  }

  async function run() {
    const query = $("query").value;
    if (!query.trim()) {
      $("status").textContent = "Введите запрос.";
      return;
    }
    let variables;
    try {
      variables = readVariables();
    } catch (error) {
      $("status").textContent = error.message;
      return;
    }
    const operationName = operationAtCursor(query, $("query").selectionStart);
    const button = $("run");
    button.disabled = true;
    $("status").textContent = "Выполняется…";
    const token = session.token;
    let result;
    try {
      result = await graphql(query, variables, token, operationName);
    } finally {
      button.disabled = false;
    }
    const { status, ms, body } = result;
    const response = $("response");
    response.textContent = JSON.stringify(body, null, 2);
    response.classList.toggle("failed", Boolean(body.errors && body.errors.length));
    response.dataset.runs = String(Number(response.dataset.runs || 0) + 1);
    $("status").textContent = status ? `HTTP ${status} · ${ms} мс` : errorText(body);
    remember(query, $("variables").value);
    if (token && tokenRefused(body)) sessionEnded(body);
  }

  // --- history (this browser; never anything with a password) ----------------------------

  function historyKey() {
    return `${HISTORY_KEY}.${session.login}`;
  }

  function history() {
    try {
      const items = JSON.parse(localStorage.getItem(historyKey()) || "[]");
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  function remember(query, variables) {
    if (/password|парол/i.test(query + variables)) return;
    const items = history().filter((i) => i.query !== query || i.variables !== variables);
    items.unshift({ query, variables, at: new Date().toISOString() });
    try {
      localStorage.setItem(historyKey(), JSON.stringify(items.slice(0, HISTORY_SIZE)));
    } catch {
      return;  // storage full or disabled: history is a convenience
    }
    renderHistory();
  }

  function renderHistory() {
    const list = $("history");
    list.replaceChildren();
    for (const item of history()) {
      const named = item.query.match(/\b(?:query|mutation|subscription)\s+([_A-Za-z]\w*)/);
      const name = named ? named[1] : item.query.replace(/\s+/g, " ").trim().slice(0, 60);
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      const when = document.createElement("span");
      when.className = "hint";
      when.textContent = new Date(item.at).toLocaleString("ru-RU");
      button.append(when);
      button.addEventListener("click", () => {
        $("query").value = item.query;
        $("variables").value = item.variables || "";
        saveDraft();
        $("query").focus();
      });
      const li = document.createElement("li");
      li.append(button);
      list.append(li);
    }
  }

  // --- the schema explorer ----------------------------------------------------------------

  const KINDS = {
    OBJECT: "тип",
    INPUT_OBJECT: "входной тип",
    ENUM: "перечисление",
    SCALAR: "скалярный тип",
    INTERFACE: "интерфейс",
    UNION: "объединение",
  };

  function typeName(ref) {
    if (ref.kind === "NON_NULL") return `${typeName(ref.ofType)}!`;
    if (ref.kind === "LIST") return `[${typeName(ref.ofType)}]`;
    return ref.name;
  }

  function namedType(ref) {
    return ref.ofType ? namedType(ref.ofType) : ref.name;
  }

  function typeLink(ref) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link type-link";
    button.textContent = typeName(ref);
    button.addEventListener("click", () => showType(namedType(ref)));
    return button;
  }

  async function loadSchema() {
    if (state.schema) return;
    $("schema-status").textContent = "Загрузка схемы…";
    const { body } = await graphql(INTROSPECTION, {}, session.token);
    if (!body.data || !body.data.__schema) {
      $("schema-status").textContent =
        `Схема недоступна: ${errorText(body) || "интроспекция отключена на этом сервере."}`;
      return;
    }
    const schema = body.data.__schema;
    const roots = [schema.queryType, schema.mutationType, schema.subscriptionType]
      .filter(Boolean).map((t) => t.name);
    const types = schema.types.filter((t) => !t.name.startsWith("__"));
    types.sort((a, b) => {
      const ra = roots.indexOf(a.name), rb = roots.indexOf(b.name);
      if (ra !== rb) return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb);
      return a.name.localeCompare(b.name);
    });
    state.schema = { roots, types, byName: new Map(types.map((t) => [t.name, t])) };
    $("schema-status").textContent = `Типов: ${types.length}.`;
    renderSchemaList();
  }

  function renderSchemaList() {
    if (!state.schema) return;
    const needle = $("schema-search").value.trim().toLowerCase();
    const list = $("schema-list");
    list.replaceChildren();
    const add = (label, hint, target) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      if (hint) {
        const span = document.createElement("span");
        span.className = "hint";
        span.textContent = hint;
        button.append(span);
      }
      button.addEventListener("click", () => showType(target.type, target.field));
      const li = document.createElement("li");
      li.append(button);
      list.append(li);
    };
    let shown = 0;
    for (const type of state.schema.types) {
      if (shown >= 200) break;
      const matches = (text) => (text || "").toLowerCase().includes(needle);
      if (!needle || matches(type.name)) {
        add(type.name, (type.description || "").split("\n")[0], { type: type.name });
        shown += 1;
      }
      if (!needle) continue;
      for (const field of [...(type.fields || []), ...(type.inputFields || [])]) {
        if (matches(field.name) || matches(field.description)) {
          const hint = (field.description || "").split("\n")[0];
          add(`${type.name}.${field.name}`, hint, { type: type.name, field: field.name });
          shown += 1;
        }
      }
    }
    if (!shown) list.append(Object.assign(document.createElement("li"), {
      textContent: "Ничего не найдено.", className: "muted small",
    }));
  }

  function showList() {
    $("schema-detail").replaceChildren();
    $("schema-list").hidden = false;
    $("schema-search").hidden = false;
  }

  function showType(name, fieldName) {
    const type = state.schema && state.schema.byName.get(name);
    if (!type) return;
    const detail = $("schema-detail");
    detail.replaceChildren();
    $("schema-list").hidden = true;
    $("schema-search").hidden = true;
    const back = document.createElement("button");
    back.type = "button";
    back.className = "link";
    back.textContent = "← К списку типов";
    back.addEventListener("click", showList);
    const title = document.createElement("h3");
    title.textContent = `${type.name} — ${KINDS[type.kind] || type.kind}`;
    detail.append(back, title);
    if (type.description) {
      detail.append(Object.assign(document.createElement("p"), {
        textContent: type.description, className: "muted small",
      }));
    }
    const dl = document.createElement("dl");
    let hit = null;
    for (const field of type.fields || type.inputFields || []) {
      const dt = document.createElement("dt");
      dt.append(field.name);
      if (field.args && field.args.length) {
        dt.append("(");
        field.args.forEach((arg, i) => {
          if (i) dt.append(", ");
          dt.append(`${arg.name}: `, typeLink(arg.type));
        });
        dt.append(")");
      }
      dt.append(": ", typeLink(field.type));
      if (field.name === fieldName) {
        dt.className = "hit";
        hit = dt;
      }
      dl.append(dt);
      if (field.description) {
        dl.append(Object.assign(document.createElement("dd"), { textContent: field.description }));
      }
    }
    for (const value of type.enumValues || []) {
      dl.append(Object.assign(document.createElement("dt"), { textContent: value.name }));
      if (value.description) {
        dl.append(Object.assign(document.createElement("dd"), { textContent: value.description }));
      }
    }
    detail.append(dl);
    (hit || back).scrollIntoView({ block: "nearest" });
  }

  // --- wiring -----------------------------------------------------------------------------

  function selectTab(name) {
    for (const tab of document.querySelectorAll(".tabs [data-tab]")) {
      const selected = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(selected));
      $(`tab-${tab.dataset.tab}`).hidden = !selected;
    }
    if (name === "schema") loadSchema();
  }

  function onKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!$("console-view").hidden) run();
    }
  }

  function start() {
    $("login-form").addEventListener("submit", logIn);
    $("password-form").addEventListener("submit", changePassword);
    $("logout").addEventListener("click", logOut);
    $("run").addEventListener("click", run);
    $("query").addEventListener("input", saveDraft);
    $("variables").addEventListener("input", saveDraft);
    $("history-clear").addEventListener("click", () => {
      localStorage.removeItem(historyKey());
      renderHistory();
    });
    $("schema-search").addEventListener("input", renderSchemaList);
    for (const tab of document.querySelectorAll(".tabs [data-tab]")) {
      tab.addEventListener("click", () => selectTab(tab.dataset.tab));
    }
    document.addEventListener("keydown", onKey);
    if (!session.token) return showLogin("");
    if (session.mustChange) return showPasswordChange("");
    return enterConsole(null);
  }

  start();
})();
