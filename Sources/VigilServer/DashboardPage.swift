import Foundation
import VigilData

/// The dashboard at `/`: one self-contained page (no external assets) that lists the models,
/// scores pasted or uploaded CSV records (or the model's stored sample) through
/// `POST /v1/models/{name}/explain`, shows VigilPlot's charts and the top records, and polls
/// `GET /v1/stats` for a live panel. `/?model=NAME&sample=1` opens with that model's sample
/// scored (a link to share, and what the screenshot script opens).
///
/// The page's one script is allowed by its SHA-256 in the Content-Security-Policy, so the
/// browser runs nothing else (the SVG charts it inserts carry no script).
enum DashboardPage {
    static let script = #"""
    const $ = (id) => document.getElementById(id);
    const query = new URLSearchParams(location.search);
    const token = query.get("token");
    if (token) { query.delete("token"); const rest = query.toString(); history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "")); }
    const headers = (extra) => Object.assign(token ? { Authorization: "Bearer " + token } : {}, extra || {});
    const escapeText = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const number = (value) => value === null || value === undefined ? "" : Number(value).toPrecision(4);
    let models = [];

    async function call(path, options) {
      const response = await fetch(path, Object.assign({ headers: headers() }, options || {}));
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.status);
      return body;
    }

    async function loadModels() {
      try {
        models = await call("/v1/models");
        $("model").innerHTML = models.map((m) => `<option value="${escapeText(m.name)}">${escapeText(m.name)} (${escapeText(m.kind)})</option>`).join("");
        if (query.get("model")) $("model").value = query.get("model");
        showModel();
        if (query.get("sample") === "1") { await useSample(); await score(); }
      } catch (error) { $("status").textContent = "Cannot list the models: " + error.message; }
    }

    function showModel() {
      const model = models.find((m) => m.name === $("model").value);
      if (!model) { $("about").textContent = "No model is serving."; return; }
      const names = model.feature_names ? model.feature_names.length + " features" : model.feature_count + " features";
      $("about").textContent = `${model.kind}, ${names}, threshold ${number(model.threshold && model.threshold.value)} (${model.threshold ? model.threshold.rule : "none"})`;
      $("sample").disabled = !model.has_sample;
    }

    async function useSample() {
      const response = await fetch(`/v1/models/${encodeURIComponent($("model").value)}/sample`, { headers: headers() });
      if (!response.ok) { $("status").textContent = "This model has no stored sample."; return; }
      $("records").value = await response.text();
      $("label").value = "";
    }

    function guessLabel(text) {
      const header = text.split("\n", 1)[0].split(",").map((name) => name.trim().replace(/^"|"$/g, ""));
      return header.find((name) => ["label", "target", "class", "outlier", "is_outlier", "y"].includes(name.toLowerCase())) || "";
    }

    async function score() {
      const text = $("records").value;
      if (!text.trim()) { $("status").textContent = "Paste or upload CSV records first (a header line, then one record per line)."; return; }
      if (!$("label").value) $("label").value = guessLabel(text);
      const query = $("label").value ? "?label_column=" + encodeURIComponent($("label").value) : "";
      $("status").textContent = "Scoring…";
      try {
        const result = await call(`/v1/models/${encodeURIComponent($("model").value)}/explain${query}`,
          { method: "POST", headers: headers({ "Content-Type": "text/csv" }), body: text });
        show(result);
        $("status").textContent = `${result.rows} records scored, ${result.flagged} above the threshold ${number(result.threshold)}.`;
      } catch (error) { $("status").textContent = "Error: " + error.message; }
    }

    function show(result) {
      const order = ["scores", "histogram", "roc", "pr", "confusion", "features"];
      $("charts").innerHTML = order.filter((key) => result.charts[key]).map((key) => `<figure class="chart" id="chart-${key}">${result.charts[key]}</figure>`).join("");
      const m = result.metrics;
      $("metrics").innerHTML = m ? `<table><tr><th>precision</th><th>recall</th><th>F1</th><th>accuracy</th><th>ROC AUC</th><th>average precision</th><th>TP</th><th>FP</th><th>TN</th><th>FN</th></tr>
        <tr>${[m.precision, m.recall, m.f1, m.accuracy, m.roc_auc, m.average_precision].map((v) => `<td>${number(v)}</td>`).join("")}
        ${[m.true_positives, m.false_positives, m.true_negatives, m.false_negatives].map((v) => `<td>${v}</td>`).join("")}</tr></table>` : "";
      const rows = result.records.map((r) => `<tr class="${r.outlier ? "flagged" : ""}"><td>${r.row}</td><td>${number(r.score)}</td><td>${r.outlier ? "outlier" : "inlier"}</td>
        <td>${r.label === null || r.label === undefined ? "" : r.label ? "outlier" : "normal"}</td>
        <td>${r.top.map((f) => `${escapeText(f.name)}: x ${number(f.x)}${f.x_hat === undefined || f.x_hat === null ? "" : ", x̂ " + number(f.x_hat)} (${number(f.score)})`).join("<br>")}</td></tr>`).join("");
      $("table").innerHTML = `<table id="records-table"><tr><th>row</th><th>score</th><th>flag</th><th>label</th><th>top features: value, reconstruction (feature score)</th></tr>${rows}</table>`;
    }

    async function live() {
      try {
        const stats = await call("/v1/stats");
        const counts = stats.requests_per_second, peak = Math.max(1, ...counts);
        const points = counts.map((c, i) => `${(i * 300 / (counts.length - 1)).toFixed(1)},${(58 - 54 * c / peak).toFixed(1)}`).join(" ");
        $("spark").innerHTML = `<svg width="300" height="60" role="img" aria-label="requests per second"><polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${points}"/></svg>`;
        const last = counts.slice(-10).reduce((a, b) => a + b, 0) / 10;
        const errors = stats.errors_per_second.reduce((a, b) => a + b, 0);
        $("rate").textContent = `${last.toFixed(1)} requests/s (last 10 s), peak ${peak}/s; latency p50 ${number(stats.p50_ms)} ms, p99 ${number(stats.p99_ms)} ms; ${errors} error responses (last 60 s)`;
      } catch (error) { $("rate").textContent = "Live statistics unavailable: " + error.message; }
    }

    $("model").addEventListener("change", showModel);
    $("score").addEventListener("click", score);
    $("sample").addEventListener("click", useSample);
    $("file").addEventListener("change", async () => { const file = $("file").files[0]; if (file) { $("records").value = await file.text(); $("label").value = ""; } });
    loadModels();
    live();
    setInterval(live, 2000);
    """#

    static let style = #"""
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1500px; padding: 16px; color: #222; }
    header { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
    h1 { font-size: 20px; margin: 0; }
    textarea { width: 100%; height: 140px; font: 12px monospace; }
    .controls { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
    #charts { display: flex; flex-wrap: wrap; gap: 8px; }
    .chart { margin: 0; border: 1px solid #ddd; }
    table { border-collapse: collapse; margin: 8px 0; }
    td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
    tr.flagged td { background: #fde8e8; }
    #live { border: 1px solid #ddd; padding: 6px; display: flex; gap: 12px; align-items: center; }
    """#

    static let html = """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>Vigil</title><style>\(style)</style></head>
    <body>
    <header><h1>Vigil</h1><label>Model <select id="model"></select></label><span id="about"></span></header>
    <section id="live"><span id="spark"></span><span id="rate">…</span></section>
    <section>
    <p>Paste CSV records (a header line, then one record per line; a column named label, target, class, outlier, is_outlier or y is read as labels, 0 = normal) or upload a file.</p>
    <textarea id="records" spellcheck="false" placeholder="duration,src_bytes,…,label"></textarea>
    <div class="controls"><input type="file" id="file" accept=".csv,text/csv"><label>Label column <input id="label" size="12"></label><button id="sample" disabled>Use the model's sample</button><button id="score">Score</button><span id="status"></span></div>
    </section>
    <section id="metrics"></section>
    <section id="charts"></section>
    <section id="table"></section>
    <script>\(script)</script>
    </body></html>
    """

    /// Only the page's own script and inline style; charts are inline SVG; requests go to this service only.
    static let contentSecurityPolicy: String = {
        let hex = SHA256.hex(of: Array(script.utf8))
        var digest: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            digest.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        let hash = Data(digest).base64EncodedString()
        return "default-src 'none'; script-src 'sha256-\(hash)'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }()
}
