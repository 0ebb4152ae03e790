/* sfqb-tables.js: sort, filter, search and page every table.sfqb-table, offline.
   Written for sfqb-diag (no dependencies). Click a header to sort (again to reverse); type in
   the search box to keep rows containing the words anywhere; type under a header to filter that
   column; pages of data-page-size rows (default 25). Numbers sort as numbers ("12,400.00 USD").
   Drill-down: clicking a bar (any point) of a plotly chart puts its label (x, or y for a
   horizontal bar) into the search box of the first table after the chart in the same section
   (before the next h1/h2 heading) and scrolls to it. */
(function () {
  "use strict";
  if (window.sfqbTables) { window.sfqbTables.init(); return; }

  function number(text) {
    var cleaned = text.replace(/[,\s]/g, "").replace(/[A-Z]{3}$/, "");
    return /^-?\d+(\.\d+)?%?$/.test(cleaned) ? parseFloat(cleaned) : null;
  }

  function setup(table) {
    if (table.dataset.sfqbReady) { return; }
    table.dataset.sfqbReady = "1";
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead ? table.tHead.rows[0].cells : []);
    var size = parseInt(table.dataset.pageSize || "25", 10);
    var state = { page: 0, sortCol: -1, sortDir: 1, search: "", filters: heads.map(function () { return ""; }) };

    var bar = document.createElement("div");
    bar.className = "sfqb-bar";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Search this table";
    search.setAttribute("aria-label", "Search this table");
    var info = document.createElement("span");
    info.className = "sfqb-info";
    var prev = document.createElement("button");
    prev.textContent = "\u2039 Previous";
    var next = document.createElement("button");
    next.textContent = "Next \u203a";
    bar.appendChild(search); bar.appendChild(prev); bar.appendChild(info); bar.appendChild(next);
    table.parentNode.insertBefore(bar, table);

    if (table.tHead) {
      var filterRow = table.tHead.insertRow(-1);
      filterRow.className = "sfqb-filters";
      heads.forEach(function (th, i) {
        var cell = document.createElement("th");
        var input = document.createElement("input");
        input.placeholder = "filter";
        input.setAttribute("aria-label", "Filter " + th.textContent);
        input.addEventListener("input", function () { state.filters[i] = input.value.toLowerCase(); state.page = 0; draw(); });
        cell.appendChild(input);
        filterRow.appendChild(cell);
        th.classList.add("sfqb-sortable");
        th.title = "Sort by " + th.textContent;
        th.addEventListener("click", function () {
          state.sortDir = state.sortCol === i ? -state.sortDir : 1;
          state.sortCol = i;
          heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", state.sortDir > 0 ? "ascending" : "descending");
          draw();
        });
      });
    }
    search.addEventListener("input", function () { state.search = search.value.toLowerCase(); state.page = 0; draw(); });
    table.sfqbSearch = function (text) { search.value = text; state.search = text.toLowerCase(); state.page = 0; draw(); };
    prev.addEventListener("click", function () { state.page -= 1; draw(); });
    next.addEventListener("click", function () { state.page += 1; draw(); });

    function cellText(row, i) { return row.cells[i] ? row.cells[i].textContent.trim() : ""; }

    function draw() {
      var kept = rows.filter(function (row) {
        var all = row.textContent.toLowerCase();
        if (state.search && state.search.split(/\s+/).some(function (w) { return all.indexOf(w) < 0; })) { return false; }
        return state.filters.every(function (f, i) { return !f || cellText(row, i).toLowerCase().indexOf(f) >= 0; });
      });
      if (state.sortCol >= 0) {
        kept.sort(function (a, b) {
          var x = cellText(a, state.sortCol), y = cellText(b, state.sortCol);
          var nx = number(x), ny = number(y);
          if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
          var order = nx !== null && ny !== null ? nx - ny : x.localeCompare(y);
          return order * state.sortDir;
        });
      }
      var pages = Math.max(1, Math.ceil(kept.length / size));
      state.page = Math.min(Math.max(state.page, 0), pages - 1);
      rows.forEach(function (row) { row.style.display = "none"; });
      kept.forEach(function (row, n) {
        body.appendChild(row);
        if (n >= state.page * size && n < (state.page + 1) * size) { row.style.display = ""; }
      });
      info.textContent = kept.length === 0 ? "No rows match" :
        "Rows " + (state.page * size + 1) + "\u2013" + Math.min(kept.length, (state.page + 1) * size) +
        " of " + kept.length + (kept.length < rows.length ? " (of " + rows.length + ")" : "");
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      var paged = rows.length > size;
      prev.style.display = next.style.display = paged ? "" : "none";
    }
    draw();
  }

  function follows(a, b) { return (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0; }

  // The first table.sfqb-table after `chart` and before the next section heading, or null.
  function tableAfter(chart) {
    var tables = document.querySelectorAll("table.sfqb-table");
    var headings = document.querySelectorAll("h1, h2");
    var end = null;
    for (var h = 0; h < headings.length && !end; h++) { if (follows(chart, headings[h])) { end = headings[h]; } }
    for (var i = 0; i < tables.length; i++) {
      if (follows(chart, tables[i])) { return end && follows(end, tables[i]) ? null : tables[i]; }
    }
    return null;
  }

  function drillDown(chart) {
    // plotly.js gives every plotted div .on() once Plotly.newPlot ran on it (plotly_click event)
    if (chart.dataset.sfqbDrill || typeof chart.on !== "function") { return; }
    var table = tableAfter(chart);
    if (!table || !table.sfqbSearch) { return; }
    chart.dataset.sfqbDrill = "1";
    chart.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (!point) { return; }
      var label = point.data && point.data.orientation === "h" ? point.y : point.x;
      if (label === undefined || label === null) { return; }
      table.sfqbSearch(String(label));
      table.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  }

  window.sfqbTables = {
    init: function () {
      Array.prototype.forEach.call(document.querySelectorAll("table.sfqb-table"), setup);
      Array.prototype.forEach.call(document.querySelectorAll(".js-plotly-plot, .plotly-graph-div"), drillDown);
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", window.sfqbTables.init);
  } else {
    window.sfqbTables.init();
  }
})();
