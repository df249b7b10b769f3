/* scim-harness HTML report: filters by area, status and text.
   Inlined at the end of <body>, so it runs synchronously once the entries
   exist: a page opened as report.html#status=failed is already filtered when
   the load ends (a headless --dump-dom sees the result). The filter state is
   mirrored in location.hash as  #area=<area>&status=<verdict>[,<verdict>]&q=<text>
   so a filtered view can be linked; #entry-<id> opens that entry. Nothing is
   fetched. */
(function () {
  "use strict";

  var entries = Array.prototype.slice.call(document.querySelectorAll("#entries .entry"));
  var area = document.getElementById("filter-area");
  var query = document.getElementById("filter-q");
  var shown = document.getElementById("filter-shown");
  var clear = document.getElementById("filter-clear");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('#filters input[name="status"]')
  );
  if (!area || !query) {
    return;
  }

  function decode(text) {
    try {
      return decodeURIComponent(text.replace(/\+/g, " "));
    } catch (error) {
      return text;
    }
  }

  /* The state a hash describes, or null when the hash is not a filter. */
  function parseHash(hash) {
    var text = hash.replace(/^#/, "");
    if (text.indexOf("=") < 0) {
      return null;
    }
    var state = { area: "", status: [], q: "" };
    text.split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at < 0) {
        return;
      }
      var key = decode(part.slice(0, at));
      var value = decode(part.slice(at + 1));
      if (key === "area") {
        state.area = value;
      } else if (key === "status") {
        state.status = value.split(",").filter(Boolean);
      } else if (key === "q") {
        state.q = value;
      }
    });
    return state;
  }

  function toHash(state) {
    var parts = [];
    if (state.area) {
      parts.push("area=" + encodeURIComponent(state.area));
    }
    if (state.status.length) {
      parts.push("status=" + state.status.map(encodeURIComponent).join(","));
    }
    if (state.q) {
      parts.push("q=" + encodeURIComponent(state.q));
    }
    return parts.join("&");
  }

  function fromControls() {
    return {
      area: area.value,
      status: boxes.filter(function (box) { return box.checked; })
        .map(function (box) { return box.value; }),
      q: query.value.trim()
    };
  }

  function setControls(state) {
    area.value = state.area;
    if (area.value !== state.area) {
      area.value = "";
    }
    boxes.forEach(function (box) {
      box.checked = state.status.indexOf(box.value) >= 0;
    });
    if (query.value.trim() !== state.q) {
      query.value = state.q;
    }
  }

  function apply(state) {
    var needle = state.q.toLowerCase();
    var visible = 0;
    entries.forEach(function (entry) {
      var title = entry.querySelector(".title");
      var matches = !needle ||
        (entry.getAttribute("data-id") || "").toLowerCase().indexOf(needle) >= 0 ||
        (title ? title.textContent : "").toLowerCase().indexOf(needle) >= 0;
      var hide = (state.area && entry.getAttribute("data-area") !== state.area) ||
        (state.status.length && state.status.indexOf(entry.getAttribute("data-verdict")) < 0) ||
        !matches;
      if (hide) {
        entry.setAttribute("hidden", "");
      } else {
        entry.removeAttribute("hidden");
        visible += 1;
      }
    });
    if (shown) {
      shown.textContent = "showing " + visible + " of " + entries.length;
    }
  }

  function writeHash(state) {
    var hash = toHash(state);
    var url = location.href.replace(/#.*$/, "") + (hash ? "#" + hash : "");
    try {
      history.replaceState(null, "", url);
    } catch (error) {
      location.replace(hash ? "#" + hash : "#");
    }
  }

  function onControls() {
    var state = fromControls();
    apply(state);
    writeHash(state);
  }

  /* #entry-<id>: show it even if the filter hid it, and open its evidence. */
  function reveal(hash) {
    var id = decode(hash.replace(/^#/, ""));
    if (id.indexOf("entry-") !== 0) {
      return;
    }
    var entry = document.getElementById(id);
    if (!entry) {
      return;
    }
    if (entry.hasAttribute("hidden")) {
      var empty = { area: "", status: [], q: "" };
      setControls(empty);
      apply(empty);
    }
    if (entry.tagName === "DETAILS") {
      entry.open = true;
    }
    entry.scrollIntoView();
  }

  function onHash() {
    var state = parseHash(location.hash);
    if (state) {
      setControls(state);
      apply(state);
    } else {
      apply(fromControls());
      reveal(location.hash);
    }
  }

  area.addEventListener("change", onControls);
  query.addEventListener("input", onControls);
  boxes.forEach(function (box) { box.addEventListener("change", onControls); });
  if (clear) {
    clear.addEventListener("click", function () {
      setControls({ area: "", status: [], q: "" });
      onControls();
    });
  }
  window.addEventListener("hashchange", onHash);
  onHash();
})();
