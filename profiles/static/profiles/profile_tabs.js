/* The profile page in tabs, one per data group (spec in #profile-tabs, see DATA_GROUP_TABS).
   Without JavaScript the page stays one long form. A tab whose part carries a form error is
   marked and opened first; the chosen tab is kept in the URL hash.
   A group's table that the page left out (div.lazy-inline, see profiles/lazy_inlines.py) is
   fetched from its data-src when its tab is first opened, put in place of the placeholder and
   its widgets started as Django's admin scripts start them on page load; a table never loaded
   posts no management form, and the server leaves that group as it is. */
(function () {
  "use strict";

  function partsOfPage(form) {
    const parts = [];
    form.querySelectorAll("fieldset.module").forEach(function (fs) {
      if (fs.closest(".inline-group")) return;
      const heading = fs.querySelector("h2");
      parts.push({ key: "fieldset:" + (heading ? heading.textContent.trim() : ""), el: fs });
    });
    form.querySelectorAll("div.inline-group").forEach(function (group) {
      parts.push({ key: group.id.replace(/-group$/, ""), el: group });
    });
    return parts;
  }

  function matches(ref, key) {
    return ref.startsWith("fieldset:") ? key.startsWith(ref) : key === ref;
  }

  // What Django's inlines.js, autocomplete.js and DateTimeShortcuts.js do on page load, for one
  // group that arrived later.
  function startWidgets(group) {
    const $ = window.django && window.django.jQuery;
    if ($) {
      const data = $(group).data();
      const opts = data.inlineFormset;
      if (opts && data.inlineType === "tabular" && $.fn.tabularFormset) {
        const selector = opts.name + "-group .tabular.inline-related tbody:first > tr.form-row";
        $(selector).tabularFormset(selector, opts.options);
      }
      if ($.fn.djangoAdminSelect2) {
        $(group).find(".admin-autocomplete").not("[name*=__prefix__]").djangoAdminSelect2();
      }
      $(group).find(".related-widget-wrapper select").trigger("change");
    }
    if (window.DateTimeShortcuts) {
      group.querySelectorAll("input.vDateField").forEach(function (input) {
        if (!input.name.includes("__prefix__")) window.DateTimeShortcuts.addCalendar(input);
      });
    }
  }

  function load(tab, placeholder) {
    if (placeholder.dataset.loading) return;
    placeholder.dataset.loading = "1";
    placeholder.setAttribute("aria-busy", "true");
    const note = placeholder.querySelector(".lazy-inline-note");
    if (note) note.textContent = placeholder.dataset.loadingText || "";
    fetch(placeholder.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        const holder = document.createElement("template");
        holder.innerHTML = html.trim();
        const group = holder.content.querySelector("div.inline-group");
        if (!group) throw new Error("no table");
        group.dataset.tabPanel = placeholder.dataset.tabPanel;
        group.setAttribute("role", "tabpanel");
        group.hidden = placeholder.hidden;
        placeholder.replaceWith(group);
        tab.els[tab.els.indexOf(placeholder)] = group;
        startWidgets(group);
      })
      .catch(function () {
        delete placeholder.dataset.loading;
        placeholder.removeAttribute("aria-busy");
        if (note) note.textContent = placeholder.dataset.errorText || "";
      });
  }

  function init() {
    const specNode = document.getElementById("profile-tabs");
    const form = document.querySelector("#profile_form");
    if (!specNode || !form) return;
    const spec = JSON.parse(specNode.textContent);
    const parts = partsOfPage(form);
    if (!parts.length) return;

    const tabs = spec.map(function (t) { return { id: t.id, title: t.title, refs: t.parts, els: [] }; });
    // the page gives the title in its language (data-other); Vietnamese if it does not
    const labels = document.getElementById("profile-tabs-labels");
    const otherTitle = (labels && labels.dataset.other) || "Khác";
    const other = { id: "khac", title: otherTitle, refs: [], els: [] };
    parts.forEach(function (part) {
      const tab = tabs.find(function (t) { return t.refs.some(function (r) { return matches(r, part.key); }); });
      (tab || other).els.push(part.el);
    });
    if (other.els.length) tabs.push(other);
    const shown = tabs.filter(function (t) { return t.els.length; });

    const bar = document.createElement("div");
    bar.className = "profile-tabs";
    bar.setAttribute("role", "tablist");
    bar.setAttribute("aria-label", "Các nhóm thông tin của hồ sơ");
    shown.forEach(function (tab) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "profile-tab";
      button.id = "tab-" + tab.id;
      button.setAttribute("role", "tab");
      button.dataset.tab = tab.id;
      button.textContent = tab.title;
      tab.hasError = tab.els.some(function (el) { return el.querySelector(".errorlist, .errors"); });
      if (tab.hasError) button.classList.add("has-error");
      tab.button = button;
      tab.els.forEach(function (el) { el.dataset.tabPanel = tab.id; el.setAttribute("role", "tabpanel"); });
      bar.appendChild(button);
    });
    const first = parts[0].el;
    first.parentNode.insertBefore(bar, first);

    function open(id) {
      shown.forEach(function (tab) {
        const on = tab.id === id;
        tab.button.setAttribute("aria-selected", on ? "true" : "false");
        tab.button.classList.toggle("active", on);
        tab.els.forEach(function (el) {
          el.hidden = !on;
          if (on && el.classList.contains("lazy-inline")) load(tab, el);
        });
      });
      if (history.replaceState) history.replaceState(null, "", "#" + id);
    }
    bar.addEventListener("click", function (event) {
      const button = event.target.closest("button.profile-tab");
      if (button) open(button.dataset.tab);
    });
    const withError = shown.find(function (t) { return t.hasError; });
    const fromHash = shown.find(function (t) { return "#" + t.id === location.hash; });
    open((withError || fromHash || shown[0]).id);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
