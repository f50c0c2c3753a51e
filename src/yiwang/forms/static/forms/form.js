/* Item application forms (forms/_form.html). An extra: the form works without it.
   - A field asked only for some answers (data-show-if / data-show-values) is hidden while
     the answer does not call for it; without JavaScript it shows its condition in words.
   - A group's "添加一行" and "删除这一行" work in place instead of sending the form.
   Nothing else; the page's own scripts (autosave) see a "change" event after either. */
(function () {
  "use strict";

  if (window.yiwangItemForms) {
    return;
  }
  window.yiwangItemForms = true;

  function byName(root, name) {
    var found = [];
    var all = root.querySelectorAll("input, select, textarea");
    for (var i = 0; i < all.length; i += 1) {
      if (all[i].name === name) {
        found.push(all[i]);
      }
    }
    return found;
  }

  function chosenValues(root, name) {
    var values = [];
    byName(root, name).forEach(function (input) {
      if (input.type === "hidden") {
        return;
      }
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) {
          values.push(input.value);
        }
      } else if (input.tagName === "SELECT") {
        for (var i = 0; i < input.options.length; i += 1) {
          if (input.options[i].selected) {
            values.push(input.options[i].value);
          }
        }
      } else {
        values.push(input.value);
      }
    });
    return values;
  }

  function fieldNamed(root, key) {
    var all = root.querySelectorAll("[data-field]");
    for (var i = 0; i < all.length; i += 1) {
      if (all[i].getAttribute("data-field") === key) {
        return all[i];
      }
    }
    return null;
  }

  /* A field shows when its controlling field is shown and has one of the values. Nested
     conditions settle in a few passes. */
  function applyConditions(root) {
    var fields = root.querySelectorAll("[data-show-if]");
    for (var pass = 0; pass < 5; pass += 1) {
      var changed = false;
      for (var i = 0; i < fields.length; i += 1) {
        var field = fields[i];
        var key = field.getAttribute("data-show-if");
        var wanted = (field.getAttribute("data-show-values") || "").split("|");
        var controller = fieldNamed(root, key);
        var show = !!controller && !controller.hidden;
        if (show) {
          show = chosenValues(root, key).some(function (value) {
            return wanted.indexOf(value) !== -1;
          });
        }
        if (field.hidden === show) {
          field.hidden = !show;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
    }
  }

  function announceChange(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function rows(group) {
    return Array.prototype.filter.call(group.querySelectorAll("[data-group-row]"), function (row) {
      return row.parentNode === group;
    });
  }

  function renumber(group) {
    var label = group.getAttribute("data-row-label") || "{n}";
    rows(group).forEach(function (row, n) {
      row.querySelectorAll("[data-row-legend]").forEach(function (legend) {
        legend.textContent = label.replace("{n}", String(n + 1));
      });
    });
    var max = parseInt(group.getAttribute("data-max-rows") || "0", 10);
    var add = group.querySelector("[data-add-row]");
    if (add) {
      add.hidden = !!max && rows(group).length >= max;
    }
  }

  function clearRow(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = false;
      } else if (input.tagName === "SELECT") {
        input.selectedIndex = 0;
      } else if (input.type !== "submit" && input.type !== "button") {
        input.value = "";
      }
      input.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".errorlist").forEach(function (list) {
      list.parentNode.removeChild(list);
    });
    row.querySelectorAll(".field-invalid").forEach(function (field) {
      field.classList.remove("field-invalid");
    });
  }

  var RENAMED = ["name", "id", "for", "aria-describedby"];

  function addRow(group) {
    var existing = rows(group);
    if (!existing.length) {
      return;
    }
    var last = existing[existing.length - 1];
    var prefix = group.getAttribute("data-group");
    var from = prefix + "-" + last.getAttribute("data-group-row") + "-";
    var index = parseInt(group.getAttribute("data-next-index") || "0", 10);
    var to = prefix + "-" + index + "-";
    var row = last.cloneNode(true);
    row.setAttribute("data-group-row", String(index));
    row.querySelectorAll("*").forEach(function (node) {
      RENAMED.forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value && value.indexOf(from) !== -1) {
          node.setAttribute(attribute, value.split(from).join(to));
        }
      });
    });
    clearRow(row);
    last.parentNode.insertBefore(row, last.nextSibling);
    group.setAttribute("data-next-index", String(index + 1));
    renumber(group);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
    announceChange(group);
  }

  function removeRow(row) {
    var group = row.parentNode;
    if (rows(group).length <= 1) {
      clearRow(row); // the last row stays, empty, ready to be filled
    } else {
      group.removeChild(row);
    }
    renumber(group);
    var legend = group.querySelector("legend");
    if (legend) {
      legend.setAttribute("tabindex", "-1");
      legend.focus();
    }
    announceChange(group);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest
      ? event.target.closest("[data-add-row], [data-remove-row]")
      : null;
    if (!target || !target.closest("[data-item-form]")) {
      return;
    }
    var group = target.closest("[data-group]");
    if (!group) {
      return;
    }
    event.preventDefault();
    if (target.hasAttribute("data-add-row")) {
      addRow(group);
    } else {
      removeRow(target.closest("[data-group-row]"));
    }
  });

  function onInput(event) {
    var form = event.target.closest ? event.target.closest("[data-item-form]") : null;
    if (form) {
      applyConditions(form);
    }
  }
  document.addEventListener("change", onInput);
  document.addEventListener("input", onInput);

  function setUp() {
    document.querySelectorAll("[data-item-form]").forEach(function (form) {
      applyConditions(form);
      form.querySelectorAll("[data-group]").forEach(renumber);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  document.addEventListener("htmx:afterSwap", setUp);
})();
