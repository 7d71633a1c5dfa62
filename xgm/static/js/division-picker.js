/* Cascading division selects: <fieldset class="division-picker" data-url data-chain data-min>.
 *
 * Each select holds the children of the one above it (GET /divisions?parent=...), province
 * first; the deepest choice goes into the hidden division_code input. A search box finds a
 * street or community by name (GET /divisions?q=...) and sets the whole chain. Without this
 * script the form's text fields are sent instead (the server resolves them); with it they are
 * hidden and disabled, except a community typed under a street when it is not in the list.
 * No framework, no inline script (CSP).
 */
(function () {
  "use strict";
  var LEVELS = ["province", "city", "county", "street", "community"];
  var MANUAL = "__manual__";

  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      });
  }

  function Picker(root) {
    this.root = root;
    this.url = root.getAttribute("data-url");
    this.min = LEVELS.indexOf(root.getAttribute("data-min"));
    this.labels = JSON.parse(root.getAttribute("data-labels"));
    this.searchLevels = root.getAttribute("data-search-levels") || "";
    this.input = root.querySelector("input[name=division_code]");
    this.box = root.querySelector(".dp-selects");
    this.chosen = root.querySelector(".dp-chosen");
    this.status = root.querySelector(".dp-status");
    this.cache = {};
    this.selects = [];
    this.names = {};
    this.token = 0;
    var manualId = root.getAttribute("data-manual");
    this.manual = manualId ? document.getElementById(manualId) : null;
    this.manualField = this.manual ? this.manual.closest(".field") : null;
  }

  Picker.prototype.start = function () {
    var fallback = document.getElementById(this.root.getAttribute("data-fallback") || "");
    var manualValue = this.manual ? this.manual.value : "";
    if (fallback) {
      fallback.hidden = true;
      Array.prototype.forEach.call(fallback.querySelectorAll("input, select, textarea"),
        function (el) { el.disabled = true; });
    }
    if (this.manualField) {
      this.manualField.classList.add("dp-manual");
      this.manualField.hidden = true;
      this.root.insertBefore(this.manualField, this.chosen);
    }
    this.root.hidden = false;
    this.input.disabled = false;
    this.setupSearch();
    var chain = JSON.parse(this.root.getAttribute("data-chain") || "[]");
    var self = this;
    this.setChain(chain).then(function () {
      // A street with a typed community: the community was not in the list.
      var last = self.selects[self.selects.length - 1];
      if (manualValue && last && last.getAttribute("data-level") === "community" &&
          !last.value && self.input.value === chain[chain.length - 1]) {
        last.value = MANUAL;
        self.manual.value = manualValue;
        self.showManual(true, false);
      }
      self.update();
    });
  };

  Picker.prototype.children = function (parent) {
    if (this.cache[parent]) { return Promise.resolve(this.cache[parent]); }
    var self = this;
    var url = this.url + (parent ? "?parent=" + encodeURIComponent(parent) : "");
    return getJSON(url).then(function (body) {
      self.cache[parent] = body.divisions;
      body.divisions.forEach(function (d) { self.names[d.code] = d.name; });
      return body.divisions;
    });
  };

  Picker.prototype.fail = function () {
    this.status.textContent = this.labels.failed;
    this.status.hidden = false;
  };

  /* Drop the selects below index i (-1: all of them). */
  Picker.prototype.cut = function (i) {
    while (this.selects.length > i + 1) {
      this.box.removeChild(this.selects.pop().parentNode);
    }
  };

  /* Add the select of `parent`'s children (resolves to it, or null when there are none). */
  Picker.prototype.addSelect = function (parent) {
    var self = this;
    var depth = this.selects.length;
    return this.children(parent).then(function (items) {
      self.status.hidden = true;
      if (!items.length) {
        return null;
      }
      var level = items[0].level;
      var wrap = document.createElement("div");
      wrap.className = "field dp-level";
      var id = self.input.id + "-" + level;
      var label = document.createElement("label");
      label.setAttribute("for", id);
      label.textContent = self.labels[level] || level;
      var select = document.createElement("select");
      select.id = id;
      select.setAttribute("data-level", level);
      var first = document.createElement("option");
      first.value = "";
      var index = LEVELS.indexOf(level);
      first.textContent = index > self.min && parent ?
        self.labels.none.replace("{name}", self.names[parent] || "") : self.labels.choose;
      select.appendChild(first);
      items.forEach(function (d) {
        var option = document.createElement("option");
        option.value = d.code;
        option.textContent = d.name;
        select.appendChild(option);
      });
      if (level === "community" && self.manual) {
        var manual = document.createElement("option");
        manual.value = MANUAL;
        manual.textContent = self.labels.manual;
        select.appendChild(manual);
      }
      select.addEventListener("change", function () { self.changed(depth); });
      wrap.appendChild(label);
      wrap.appendChild(select);
      self.box.appendChild(wrap);
      self.selects.push(select);
      return select;
    }, function () { self.fail(); return null; });
  };

  Picker.prototype.changed = function (depth) {
    var select = this.selects[depth];
    var self = this;
    this.cut(depth);
    this.showManual(select.value === MANUAL, true);
    var token = ++this.token;
    if (select.value && select.value !== MANUAL) {
      this.addSelect(select.value).then(function () {
        if (token === self.token) { self.update(); }
      });
    }
    this.update();
  };

  /* Select `codes` from the province down, then offer the children of the last one. */
  Picker.prototype.setChain = function (codes) {
    var self = this;
    var token = ++this.token;
    this.cut(-1);
    this.showManual(false, false);
    var step = function (i, parent) {
      if (token !== self.token) { return Promise.resolve(); }
      return self.addSelect(parent).then(function (select) {
        if (!select || i >= codes.length) { return; }
        select.value = codes[i];
        if (select.value !== codes[i]) { select.value = ""; return; }
        return step(i + 1, codes[i]);
      });
    };
    return step(0, "").then(function () { self.update(); });
  };

  Picker.prototype.showManual = function (on, focus) {
    if (!this.manualField) { return; }
    this.manualField.hidden = !on;
    this.manual.disabled = !on;
    if (on && focus) { this.manual.focus(); }
  };

  /* The deepest choice is the value; the line under the selects says what is still missing. */
  Picker.prototype.update = function () {
    var value = "";
    var depth = -1;
    var names = [];
    var self = this;
    this.selects.forEach(function (select) {
      if (select.value && select.value !== MANUAL) {
        value = select.value;
        depth = LEVELS.indexOf(select.getAttribute("data-level"));
        names.push(self.names[select.value] || "");
      }
    });
    var enough = value && depth >= this.min;
    // One level short (a county on the compound form) is sent, so the server says what is
    // missing; the preset alone (浙江省 杭州市) is not a choice and sends nothing.
    this.input.value = value && depth >= this.min - 1 ? value : "";
    var text = names.join(" ");
    if (this.manual && !this.manual.disabled && this.manual.value.trim()) {
      text += " " + this.manual.value.trim();
    }
    this.chosen.classList.toggle("dp-incomplete", !enough);
    if (enough) {
      this.chosen.textContent = this.labels.chosen + text;
    } else {
      this.chosen.textContent = (text ? this.labels.chosen + text + " · " : "") +
        this.labels.more.replace("{level}", this.labels[LEVELS[this.min]] || "");
    }
  };

  Picker.prototype.setupSearch = function () {
    var wrap = this.root.querySelector(".dp-search");
    if (!wrap) { return; }
    wrap.hidden = false;
    var box = wrap.querySelector("input");
    var list = wrap.querySelector(".dp-results");
    var self = this;
    var timer = null;
    var asked = 0;
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // never submit the form from here
    });
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      var q = box.value.trim();
      if (!q) { list.hidden = true; list.textContent = ""; return; }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        var url = self.url + "?q=" + encodeURIComponent(q) +
          (self.searchLevels ? "&levels=" + encodeURIComponent(self.searchLevels) : "");
        getJSON(url).then(function (body) {
          if (mine !== asked) { return; }
          self.showResults(list, body.divisions, box);
        }, function () { self.fail(); });
      }, 250);
    });
    if (this.manual) {
      this.manual.addEventListener("input", function () { self.update(); });
    }
  };

  Picker.prototype.showResults = function (list, items, box) {
    var self = this;
    list.textContent = "";
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = this.labels.no_results;
      list.appendChild(none);
    }
    items.forEach(function (d) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dp-result";
      button.setAttribute("data-code", d.code);
      var name = document.createElement("strong");
      name.textContent = d.name;
      var where = document.createElement("span");
      where.textContent = d.path;
      button.appendChild(name);
      button.appendChild(where);
      button.addEventListener("click", function () {
        list.hidden = true;
        box.value = "";
        self.setChain(d.ancestors.concat([d.code]));
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    list.hidden = false;
  };

  Array.prototype.forEach.call(document.querySelectorAll(".division-picker"), function (root) {
    new Picker(root).start();
  });
})();
