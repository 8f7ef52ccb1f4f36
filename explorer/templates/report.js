// The kernel-free explorer: prices the scenario in the page from the rate table explorer.report inlines,
// with the semantics of explorer.results.costs_from_rates, ranked_table and chart_rows (ported line by
// line; tests/test_report.py holds every number equal to the Python engine's), then updates the ranking
// table and each chart's Vega view in place. No network, no eval, model names only ever set as text.
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("engine-data").textContent);
  const LIVE_SPECS = JSON.parse(document.getElementById("live-specs").textContent);
  const STATIC_SPECS = JSON.parse(document.getElementById("static-specs").textContent);
  const TIERS = DATA.tiers;
  const DAYS_PER_MONTH = 365.25 / 12;

  // ------------------------------------------------------------------------------------------------
  // Numbers as Python writes them

  // Python's round(): half to even on the float's exact value (x - floor(x) is exact below 2**52).
  function roundHalfEven(x) {
    const f = Math.floor(x);
    const d = x - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

  function group(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // Python's f"{x:.{d}f}" for finite x >= 0: correctly rounded, ties to even. toFixed picks the larger
  // of two equally near results, so only an exact tie (its exact expansion ends in the 5 at d+1) differs.
  function fixed(x, d) {
    if (x >= 1e21) return String(x);
    const s = x.toFixed(d);
    const exact = x.toFixed(100).replace(/0+$/, "");
    const dot = exact.indexOf(".");
    const frac = dot < 0 ? "" : exact.slice(dot + 1);
    if (frac.length === d + 1 && frac[d] === "5") {
      const truncated = d === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + d);
      const last = truncated.replace(".", "").slice(-1);
      if (Number(last) % 2 === 0) return truncated;
    }
    return s;
  }

  function fixedGrouped(x, d) {
    const s = fixed(x, d);
    const dot = s.indexOf(".");
    return dot < 0 ? group(s) : group(s.slice(0, dot)) + s.slice(dot);
  }

  function missing(x) {
    return x === null || x === undefined || Number.isNaN(x);
  }

  // explorer.fmt.usd
  function usd(x) {
    if (missing(x)) return "n/a";
    const sign = x < 0 ? "-" : "";
    const a = Math.abs(x);
    if (a >= 1 || a === 0) return sign + "$" + fixedGrouped(a, 2);
    if (a >= 1e-6) {
      const s = fixed(a, 6).replace(/0+$/, "");
      const dot = s.indexOf(".");
      const whole = dot < 0 ? s : s.slice(0, dot);
      const frac = dot < 0 ? "" : s.slice(dot + 1);
      return sign + "$" + whole + "." + frac.padEnd(2, "0");
    }
    const decimals = 2 - Math.floor(Math.log10(a));
    return sign + "$" + fixed(a, decimals);
  }

  // explorer.fmt.pct (Python's "%" format multiplies by 100 in floating point, then formats as "f")
  function pct(x, digits, blankZero) {
    if (missing(x) || (blankZero !== false && x === 0)) return "";
    const v = x * 100;
    return (v < 0 ? "-" + fixed(-v, digits || 0) : fixed(v, digits || 0)) + "%";
  }

  // explorer.fmt.count
  function count(x) {
    return (x < 0 ? "-" : "") + group(fixed(Math.abs(x), 0));
  }

  // ------------------------------------------------------------------------------------------------
  // The engine: explorer.results.costs_from_rates

  function rate(v) {
    return v === null ? NaN : v;
  }

  function threshold(v) {
    return v === null ? Infinity : v;
  }

  function tierShares(sc) {
    // Scenario.standard_share, then tier_shares(): zero shares left out, standard if none
    const standard = Math.max(0.0, 1.0 - sc.batch_share - sc.flex_share - sc.priority_share);
    const all = [["standard", standard], ["batch", sc.batch_share], ["flex", sc.flex_share],
                 ["priority", sc.priority_share]];
    const kept = all.filter(function (p) { return p[1] > 0; });
    return kept.length ? kept : [["standard", 1.0]];
  }

  function costsFromRates(models, sc) {
    const inp = sc.input_tokens_per_request;
    const out = sc.output_tokens_per_request;
    const cached = roundHalfEven(sc.cached_input_share * inp);
    const reasoning = sc.reasoning_tokens_per_request;
    const tokens = [inp - cached, cached, out - reasoning, reasoning];
    const shares = tierShares(sc);
    const volume = sc.requests_per_month;
    const need = inp + out;
    const rows = models.map(function (m) {
      const usable = m.priced && (m.has_output_price || out === 0);
      const notes = [];
      if (m.priced || m.skip_reason === "no input price") {
        if (out > 0 && !m.has_output_price) notes.push("no output price (not a text-generation model)");
        else if (!m.priced) notes.push(m.skip_reason);
      } else {
        notes.push(m.skip_reason);
      }
      let per = [0, 0, 0, 0];
      let override = false;
      shares.forEach(function (p) {
        const tier = p[0];
        const share = p[1];
        const j = TIERS.indexOf(tier);
        const has = m.offered[j];
        if (usable && !has) notes.push("no " + tier + " tier: its " + pct(share, 0, false) + " priced at standard");
        const col = has ? j : 0;
        const slot = m.thresholds[col].filter(function (t) { return threshold(t) < inp; }).length - 1;
        const r = m.rates[col][Math.max(slot, 0)];
        for (let c = 0; c < 4; c++) {
          // A token count of zero costs nothing even where the rate is missing. tokens * (rate / 1e6) is the
          // cost engine's order of operations (price_usage): the same float, so a half cent rounds the same.
          const part = tokens[c] > 0 ? tokens[c] * (rate(r[c]) / 1e6) : 0.0;
          per[c] += share * part;
        }
        override = override || m.is_override[col];
      });
      if (!usable) per = [NaN, NaN, NaN, NaN];
      const image = m.image_usd === null ? NaN : m.image_usd;
      if (m.image_note) notes.push(m.image_note);
      const window = m.context_window;
      const fits = window === null ? null : window >= need;
      if (window !== null && window < need) {
        notes.push("request of " + count(need) + " tokens exceeds the " + count(window) + "-token context window");
      }
      const costPerRequest = (((per[0] + per[1]) + per[2]) + per[3]) + image;
      return {
        provider: m.provider,
        model: m.model,
        label: m.label,
        cost_per_request_usd: costPerRequest,
        monthly_usd: costPerRequest * volume,
        input_usd: per[0] * volume,
        cached_input_usd: per[1] * volume,
        output_usd: per[2] * volume,
        reasoning_usd: per[3] * volume,
        other_usd: (usable ? 0.0 : NaN) * volume,
        image_usd: image * volume,
        fits_context: fits,
        is_override: override && usable,
        price_source: usable ? m.price_source : "",
        note: Array.from(new Set(notes.filter(function (n) { return n; }))).join("; "),
      };
    });
    return sortByCost(rows);
  }

  // sort_values(["monthly_usd", "provider", "model"], kind="stable", na_position="last")
  function sortByCost(rows) {
    const cmpText = function (a, b) { return a < b ? -1 : a > b ? 1 : 0; };
    rows.sort(function (a, b) {
      const na = Number.isNaN(a.monthly_usd);
      const nb = Number.isNaN(b.monthly_usd);
      if (na !== nb) return na ? 1 : -1;
      if (!na && a.monthly_usd !== b.monthly_usd) return a.monthly_usd < b.monthly_usd ? -1 : 1;
      return cmpText(a.provider, b.provider) || cmpText(a.model, b.model);
    });
    return rows;
  }

  // explorer.results.ranked_table
  function rankedTable(costs) {
    const isUsable = function (r) { return !Number.isNaN(r.monthly_usd) && r.fits_context !== false; };
    const ranked = costs.filter(isUsable);
    const rest = costs.filter(function (r) { return !isUsable(r); });
    const cheapest = ranked.length ? Math.min.apply(null, ranked.map(function (r) { return r.monthly_usd; })) : NaN;
    return ranked.concat(rest).map(function (r, i) {
      const total = r.monthly_usd > 0 ? r.monthly_usd : NaN;
      return {
        rank: i < ranked.length ? i + 1 : null,
        model: r.label,
        provider: r.provider,
        monthly_usd: r.monthly_usd,
        cost_per_request_usd: r.cost_per_request_usd,
        input_share: r.input_usd / total,
        cached_input_share: r.cached_input_usd / total,
        output_share: r.output_usd / total,
        reasoning_share: r.reasoning_usd / total,
        other_share: (r.other_usd + r.image_usd) / total,
        // Python: "/ cheapest if cheapest else nan"; NaN is truthy there, 0 is not.
        vs_cheapest: cheapest !== 0 ? r.monthly_usd / cheapest : NaN,
        is_override: r.is_override,
        price_source: r.price_source,
        note: r.note,
        cheapest: i === 0 && ranked.length > 0,
      };
    });
  }

  // explorer.results.chart_rows
  function chartRows(costs, sc) {
    const ok = costs.filter(function (r) { return !Number.isNaN(r.cost_per_request_usd); });
    let best = -1;
    ok.forEach(function (r, i) {
      const fits = r.fits_context !== false;
      if (fits && Number.isFinite(r.monthly_usd) && (best < 0 || r.monthly_usd < ok[best].monthly_usd)) best = i;
    });
    return ok.map(function (r, i) {
      const fits = r.fits_context !== false;
      const cheapest = i === best;
      const nz = function (v) { return Number.isNaN(v) ? 0 : v; };
      return {
        label: r.label,
        prices: r.is_override ? "override" : "bundled",
        shown: r.label + (r.is_override ? " (override)" : "") + (cheapest ? " (cheapest)" : "") +
          (fits ? "" : " (too long)"),
        cheapest: cheapest,
        fits: fits,
        cost_per_request_usd: r.cost_per_request_usd,
        monthly_usd: r.monthly_usd,
        input_usd: r.input_usd,
        cached_input_usd: r.cached_input_usd,
        output_usd: r.output_usd,
        reasoning_usd: r.reasoning_usd,
        other_usd: nz(r.other_usd) + nz(r.image_usd),
        requests_per_month: sc.requests_per_month,
        budget_usd: sc.monthly_budget_usd || 0.0,
        growth_rate: sc.monthly_growth_rate,
      };
    });
  }

  // What each chart draws: explorer.charts' builders keep positive costs on log scales.
  const CHART_FILTER = {
    components: function (r) { return !Number.isNaN(r.monthly_usd); },
    curves: function (r) { return r.cost_per_request_usd > 0; },
    budget: function (r) { return r.cost_per_request_usd > 0; },
    projection: function () { return true; },
  };

  // ------------------------------------------------------------------------------------------------
  // Requests described as text: explorer.text_costs (each model's own input tokens for the text)

  // text_costs.plan_tokens: [tokens, low, high] for chars characters of a kind of text
  function planTokens(t, kind, chars) {
    const base = Math.ceil(chars * t.per_kchar[kind] / 1000);
    const ratio = t.ratio[kind];
    const n = ratio === 1.0 ? Math.ceil(base) : Math.ceil(base * ratio);
    if (t.own) return [n, n, n];
    return [n, Math.min(Math.ceil(base * t.low), n), Math.max(Math.ceil(base * t.high), n)];
  }

  // text_costs.text_costs: the models sharing a count priced together, then ranked as costs_from_rates ranks
  function textCosts(models, sc) {
    const groups = new Map();
    models.forEach(function (m) {
      const n = planTokens(m.text, sc.input_text_kind, sc.input_chars_per_request)[0];
      if (!groups.has(n)) groups.set(n, []);
      groups.get(n).push(m);
    });
    let rows = [];
    groups.forEach(function (group, n) {
      rows = rows.concat(costsFromRates(group, Object.assign({}, sc, { input_tokens_per_request: n })));
    });
    return sortByCost(rows);
  }

  function modelByLabel(label) {
    return DATA.models.find(function (m) { return m.label === label; });
  }

  // provenance.annotate_rows and text_costs.annotate_text_rows: the tooltips' columns, retired and ≈ marks
  function annotateRows(rows, sc) {
    const chars = sc.input_chars_per_request;
    rows.forEach(function (r) {
      const m = modelByLabel(r.label);
      r.lifecycle = m.text.lifecycle;
      r.price_source = m.price_source;
      r.verified = m.text.verified;
      if (r.lifecycle.indexOf("retired") === 0) r.shown += " (retired)";
      if (!chars) {
        r.tokens = "as set";
        r.exact = true;
        return;
      }
      const c = planTokens(m.text, sc.input_text_kind, chars);
      const method = m.text.method[sc.input_text_kind];
      r.exact = m.text.own;
      r.tokens = m.text.own ? count(c[0]) + " (" + method + ")"
        : "\u2248 " + count(c[0]) + " (" + method + "; " + count(c[1]) + "-" + count(c[2]) + ")";
      if (!m.text.own) r.shown += " \u2248";
    });
    return rows;
  }

  function compute(inputs) {
    const sc = Object.assign({}, DATA.scenario, inputs.scenario);
    const models = inputs.models.map(function (i) { return DATA.models[i]; });
    const costs = sc.input_chars_per_request ? textCosts(models, sc) : costsFromRates(models, sc);
    return { scenario: sc, costs: costs, ranked: rankedTable(costs), rows: annotateRows(chartRows(costs, sc), sc) };
  }

  // ------------------------------------------------------------------------------------------------
  // Controls: read, validate (one message per control), keep the last good inputs

  function parseNumber(text, name) {
    const raw = text.trim();
    if (raw === "") return { error: name + ": enter a number" };
    const clean = raw.replace(/[,_\s]/g, "");
    if (/^-/.test(clean) && /^-\d*\.?\d+(e[+-]?\d+)?$/i.test(clean)) return { error: name + ": must be 0 or more" };
    if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(clean)) return { error: name + ": \u201c" + raw + "\u201d is not a number" };
    const v = Number(clean);
    if (!Number.isFinite(v)) return { error: name + ": \u201c" + raw + "\u201d is too large" };
    return { value: v };
  }

  const FIELDS = {
    input: { id: "input-tokens", name: "Input tokens per request", whole: true },
    output: { id: "output-tokens", name: "Output tokens per request", whole: true },
    requests: { id: "requests", name: "Requests per month" },
    cached: { id: "cached-share", name: "Cached share of input", percent: true },
    batch: { id: "batch-share", name: "Share of traffic on batch", percent: true },
    budget: { id: "budget", name: "Monthly budget", optional: true },
  };

  function readField(f) {
    const el = document.getElementById(f.id);
    if (f.optional && el.value.trim() === "") return { value: 0 };
    const p = parseNumber(el.value, f.name);
    if (p.error) return p;
    if (f.whole && !Number.isInteger(p.value)) return { error: f.name + ": enter a whole number of tokens" };
    if (f.percent && p.value > 100) return { error: f.name + ": must be between 0 and 100%" };
    if (!f.percent && p.value > DATA.max_count) return { error: f.name + ": implausibly large (over 1e15)" };
    return { value: f.percent ? p.value / 100 : p.value };
  }

  function setError(id, message) {
    const el = document.getElementById(id);
    const box = document.getElementById(id + "-error");
    box.textContent = message || "";
    if (el && el.tagName === "INPUT") el.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function readInputs() {
    const values = {};
    let ok = true;
    Object.keys(FIELDS).forEach(function (k) {
      const r = readField(FIELDS[k]);
      setError(FIELDS[k].id, r.error);
      if (r.error) ok = false;
      values[k] = r.value;
    });
    const sc = DATA.scenario;
    // Checks across fields, as Scenario validates them; the message goes next to the control changed last.
    if (values.output !== undefined && values.output < sc.reasoning_tokens_per_request) {
      setError(FIELDS.output.id, FIELDS.output.name + ": must be at least the scenario's " +
        count(sc.reasoning_tokens_per_request) + " reasoning tokens");
      ok = false;
    }
    if (values.batch !== undefined && values.batch + sc.flex_share + sc.priority_share > 1 + 1e-9) {
      setError(FIELDS.batch.id, FIELDS.batch.name + ": batch, flex (" + pct(sc.flex_share, 0, false) +
        ") and priority (" + pct(sc.priority_share, 0, false) + ") add up to over 100%");
      ok = false;
    }
    const text = readText();
    if (text === null) ok = false;
    const models = Array.from(document.querySelectorAll("input[name=model]"))
      .filter(function (b) { return b.checked; }).map(function (b) { return Number(b.value); });
    setError("models", models.length ? "" : "Models: choose at least one");
    if (!models.length) ok = false;
    if (!ok) return null;
    return {
      models: models,
      scenario: {
        input_tokens_per_request: values.input,
        output_tokens_per_request: values.output,
        requests_per_month: values.requests,
        cached_input_share: values.cached,
        batch_share: values.batch,
        monthly_budget_usd: values.budget,
        input_chars_per_request: text === null ? 0 : text.chars,
        input_text_kind: text === null ? DATA.scenario.input_text_kind : text.kind,
      },
    };
  }

  // "Describe requests by": tokens (chars 0), or text (characters of a kind, each model counts its own)
  function readText() {
    const byText = document.getElementById("describe-by").value === "text";
    document.querySelectorAll(".text-only").forEach(function (el) { el.hidden = !byText; });
    // By text, each model counts its own input tokens: the tokens box does not apply (it keeps its value).
    document.getElementById("input-tokens").closest(".field").hidden = byText;
    const kind = document.getElementById("text-kind").value;
    if (!byText) {
      setError("chars", "");
      return { chars: 0, kind: kind };
    }
    const f = { id: "chars", name: "Characters per request", whole: true };
    const r = readField(f);
    if (!r.error && r.value < 1) r.error = f.name + ": must be at least 1";
    if (!r.error && !Number.isInteger(r.value)) r.error = f.name + ": enter a whole number of characters";
    setError("chars", r.error);
    return r.error ? null : { chars: r.value, kind: kind };
  }

  // The per-model token table of a text workload, and the ≈ mark (with its basis) in the ranking
  function renderText(result) {
    const sc = result.scenario;
    const table = document.getElementById("text-tokens");
    const body = table.querySelector("tbody");
    if (!sc.input_chars_per_request) {
      body.replaceChildren();
      return;
    }
    const byLabel = {};
    result.costs.forEach(function (c) { byLabel[c.label] = c; });
    const trs = result.ranked.map(function (r) {
      const m = modelByLabel(r.model);
      const c = planTokens(m.text, sc.input_text_kind, sc.input_chars_per_request);
      const cost = byLabel[r.model];
      const perK = (cost.input_usd + cost.cached_input_usd) / sc.requests_per_month * 1000 / sc.input_chars_per_request;
      const method = m.text.method[sc.input_text_kind];
      const cells = [r.model, (m.text.own ? "" : "\u2248 ") + count(c[0]),
        m.text.own ? method : method + " (" + count(c[1]) + "-" + count(c[2]) + " tokens)", usd(perK)];
      const tr = document.createElement("tr");
      cells.forEach(function (text, j) {
        const td = document.createElement("td");
        td.className = j === 1 || j === 3 ? "num" : "txt";
        td.textContent = text;
        tr.appendChild(td);
      });
      return tr;
    });
    body.replaceChildren.apply(body, trs);
    document.querySelectorAll("#ranking tbody tr").forEach(function (tr, i) {
      const m = modelByLabel(result.ranked[i].model);
      if (m.text.own) return;
      tr.children[1].textContent += " \u2248";
      tr.children[1].title = m.text.method[sc.input_text_kind] + ": no tokenizer of the model's own";
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Output: the ranking table, the summary line, the charts' data

  const NUMERIC = [0, 2, 3, 4, 5, 6, 7, 8, 9];

  function rankingCells(r) {
    return [
      r.rank === null ? "" : String(r.rank),
      r.model + (r.is_override ? " (override)" : ""),
      usd(r.monthly_usd),
      usd(r.cost_per_request_usd),
      Number.isNaN(r.vs_cheapest) ? "" : fixed(r.vs_cheapest, 2) + "x",
      pct(r.input_share), pct(r.cached_input_share), pct(r.output_share), pct(r.reasoning_share),
      pct(r.other_share),
      r.note || "",
    ];
  }

  function renderTable(ranked) {
    const body = document.querySelector("#ranking tbody");
    const rows = ranked.map(function (r) {
      const tr = document.createElement("tr");
      if (r.cheapest) tr.className = "cheapest";
      rankingCells(r).forEach(function (text, j) {
        const td = document.createElement("td");
        td.className = NUMERIC.indexOf(j) >= 0 ? "num" : "txt";
        td.textContent = text;
        tr.appendChild(td);
      });
      return tr;
    });
    body.replaceChildren.apply(body, rows);
  }

  function renderSummary(result) {
    const top = result.ranked[0];
    const el = document.getElementById("summary");
    if (!top || top.rank === null) {
      el.textContent = "No model can serve this request at these inputs (see the notes in the table).";
      return;
    }
    const sc = result.scenario;
    const input = sc.input_chars_per_request
      ? count(sc.input_chars_per_request) + " characters of text (each model's own tokens)"
      : count(sc.input_tokens_per_request) + " input";
    el.textContent = "Cheapest: " + top.model + " at " + usd(top.monthly_usd) + " a month (" +
      usd(top.cost_per_request_usd) + " per request, " + count(sc.requests_per_month) + " requests, " +
      input + " and " + count(sc.output_tokens_per_request) + " output tokens each).";
  }

  const views = {};
  const pending = {};
  // A chart scrolled out of sight keeps its new rows pending and redraws when it comes back into view:
  // a change then costs the table and the charts on screen, not all four.
  const onScreen = {};

  function apply(name) {
    const view = views[name];
    const rows = pending[name];
    if (!view || rows === undefined) return Promise.resolve();
    delete pending[name];
    // resize(): labels such as "(too long)" change the axes' width; without it the canvas keeps the old
    // padding and clips them.
    return view.data(DATA.dataset, rows).resize().runAsync();
  }

  function sendRows(name, rows) {
    pending[name] = rows;
    return onScreen[name] === false ? Promise.resolve() : apply(name);
  }

  function flush() {
    return Promise.all(Object.keys(pending).map(apply));
  }

  if (typeof IntersectionObserver === "function") {
    const watch = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        const name = e.target.id.replace(/^chart-/, "");
        onScreen[name] = e.isIntersecting;
        if (e.isIntersecting) apply(name);
      });
    }, { rootMargin: "200px 0px" });
    Object.keys(LIVE_SPECS).forEach(function (name) { watch.observe(document.getElementById("chart-" + name)); });
  }

  const state = { result: null, updates: 0 };
  const hooks = [];  // other sections of the page that follow every recomputation (the ranges)

  function update() {
    const inputs = readInputs();
    document.getElementById("stale").hidden = inputs !== null;
    if (inputs === null) return Promise.resolve(state.result);
    const result = compute(inputs);
    state.result = result;
    renderTable(result.ranked);
    renderText(result);
    renderSummary(result);
    hooks.forEach(function (f) { f(result); });
    const done = Object.keys(CHART_FILTER).map(function (name) {
      return sendRows(name, result.rows.filter(CHART_FILTER[name]));
    });
    return Promise.all(done).then(function () { state.updates += 1; return result; });
  }

  function resetControls() {
    const sc = DATA.scenario;
    const shareText = function (x) { return String(Number((x * 100).toPrecision(10))); };
    document.getElementById("input-tokens").value = count(sc.input_tokens_per_request);
    document.getElementById("output-tokens").value = count(sc.output_tokens_per_request);
    document.getElementById("requests").value = group(String(sc.requests_per_month));
    document.getElementById("cached-share").value = shareText(sc.cached_input_share);
    document.getElementById("batch-share").value = shareText(sc.batch_share);
    document.getElementById("budget").value = sc.monthly_budget_usd ? group(String(sc.monthly_budget_usd)) : "";
    document.querySelectorAll("input[name=model]").forEach(function (b) { b.checked = true; });
    document.getElementById("describe-by").value = sc.input_chars_per_request ? "text" : "tokens";
    document.getElementById("chars").value = count(sc.input_chars_per_request || 4000);
    document.getElementById("text-kind").value = sc.input_text_kind;
    return update();
  }

  // Live charts draw on canvas: on each change SVG would rebuild hundreds of DOM nodes (4x slower with
  // 20 models); the static crossover charts stay SVG (crisp when printed).
  function embed(id, spec, renderer) {
    const el = document.getElementById("chart-" + id);
    return vegaEmbed(el, spec, { actions: false, renderer: renderer }).catch(function (e) {
      el.textContent = "chart failed: " + e;
      console.error(e);
      return null;
    });
  }

  const embeds = Object.keys(LIVE_SPECS).map(function (name) {
    return embed(name, LIVE_SPECS[name], "canvas").then(function (res) {
      if (!res) return;
      views[name] = res.view;
      if (onScreen[name] !== false) return apply(name);
    });
  }).concat(Object.keys(STATIC_SPECS).map(function (name) {
    return embed(name, STATIC_SPECS[name], "svg").then(function (res) { if (res) views[name] = res.view; });
  }));

  document.querySelectorAll(".controls input").forEach(function (el) {
    el.addEventListener("input", update);
  });
  document.querySelectorAll(".controls select").forEach(function (el) {
    el.addEventListener("change", update);
  });
  document.getElementById("reset").addEventListener("click", resetControls);

  const first = update();
  // For tests and for people poking at the page from the console.
  window.costExplorer = {
    data: DATA,
    views: views,
    state: state,
    compute: compute,
    update: update,
    // Every chart's data brought up to date, on screen or not.
    flush: flush,
    pending: pending,
    format: { usd: usd, pct: pct, fixed: fixed, count: count },
    onUpdate: function (f) { hooks.push(f); },
    embed: embed,
    ready: Promise.all(embeds).then(function () { return first; }),
  };
})();

// Costs as ranges (explorer.report.ranges_data): for the chosen spread, each model's mean, spread and
// skewness of one request's cost (the first two relative to its point cost per request when the page was
// written) are scaled by the cost per request computed above, and a month of N requests takes the same
// skew-matched law as explorer.ranges (_skewed): the engine's p10 / p50 / p90 exactly when only the
// volume, the budget or the models change; a scaled approximation when the request's shape changes.
(function () {
  "use strict";

  const source = document.getElementById("ranges-data");
  const ce = window.costExplorer;
  if (!source || !ce) return;
  const R = JSON.parse(source.textContent);
  const Z = [-R.z90, 0, R.z90];
  const select = document.getElementById("spread");
  const built = Object.assign({}, ce.data.scenario);
  const SHAPE = ["input_tokens_per_request", "output_tokens_per_request", "cached_input_share", "batch_share"];

  // explorer.ranges._skewed: mean 0, standard deviation sd, skewness skew, increasing in z.
  function skewed(z, sd, skew) {
    const g = Math.min(Math.abs(skew), 1e6);
    if (!(g > 1e-6)) return sd * z;
    const r = Math.sqrt(g * g / 4 + 1);
    const u = Math.cbrt(g / 2 + r) + Math.cbrt(g / 2 - r);
    const sLn = Math.sqrt(Math.log1p(u * u));
    const wSqrt = Math.sqrt(1 + u * u);
    const sign = skew < 0 ? -1 : 1;
    const offset = u * u / (wSqrt + 1);
    const scale = sd / (u * wSqrt);
    return sign * scale * (Math.expm1(sLn * sign * z) - offset);
  }

  function bands(result, option) {
    const models = R.options[option].models;
    const v = result.scenario.requests_per_month;
    const root = Math.sqrt(Math.max(v, 0));
    const rows = [];
    result.costs.forEach(function (c) {
      const i = ce.data.models.findIndex(function (m) { return m.label === c.label; });
      const m = models[i];
      const cpr = c.cost_per_request_usd;
      if (!m || m.mean === null || m.sd === null || m.skew === null || !(cpr >= 0) || Number.isNaN(cpr)) return;
      const skewN = root > 0 ? m.skew / root : 0;
      const q = Z.map(function (z) {
        return v > 0 ? Math.max(v * m.mean * cpr + skewed(z, root * m.sd * cpr, skewN), 0) : 0;
      });
      rows.push({ label: c.label, p10: q[0], p50: q[1], p90: q[2], prices: c.is_override ? "override" : "bundled" });
    });
    rows.sort(function (a, b) { return a.p50 - b.p50 || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0); });
    return rows;
  }

  let view = null;
  let rows = [];

  function render(result) {
    if (!result) return Promise.resolve();
    rows = bands(result, select.value);
    const body = document.querySelector("#ranges tbody");
    body.replaceChildren.apply(body, rows.map(function (r, k) {
      const tr = document.createElement("tr");
      [String(k + 1), r.label, ce.format.usd(r.p10), ce.format.usd(r.p50), ce.format.usd(r.p90)].forEach(
        function (text, j) {
          const td = document.createElement("td");
          td.className = j === 1 ? "txt" : "num";
          td.textContent = text;
          tr.appendChild(td);
        });
      return tr;
    }));
    const sc = result.scenario;
    const shape = SHAPE.every(function (k) { return sc[k] === built[k]; });
    const few = sc.requests_per_month <= R.direct_max;
    document.getElementById("ranges-note").textContent =
      (shape ? "At the scenario's request shape: " + (few
        ? "at " + ce.format.count(R.direct_max) + " requests a month or fewer the engine sums requests one by one; " +
          "this page uses the law of a sum of many (an approximation)."
        : "the engine's own figures.")
        : "The request differs from the scenario's: the spread is scaled from it by the cost per request (an " +
          "approximation; rebuild the report from a scenario with these tokens for exact figures).");
    state.exact = shape && !few;
    if (!view) return Promise.resolve();
    return view.data(R.dataset, rows.filter(function (r) { return r.p10 > 0; })).resize().runAsync();
  }

  const state = { exact: true };
  const ready = ce.embed("ranges", R.spec, "canvas").then(function (res) {
    if (res) view = res.view;
    return render(ce.state.result);
  });
  ce.onUpdate(render);
  select.addEventListener("change", function () { render(ce.state.result); });
  ce.ranges = {
    data: R,
    rows: function () { return rows; },
    state: state,
    render: function () { return render(ce.state.result); },
    ready: ready,
    skewed: skewed,
  };
})();
