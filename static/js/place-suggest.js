// Type-ahead for the directory's "Near (city or town)" box: after a short pause in typing,
// ask the site for matching places (largest first) and offer them in the box's <datalist>.
// Without JavaScript the box is a plain text field (with the directory's own cities as
// suggestions) and the search works the same: the server resolves whatever is typed.
(function () {
  "use strict";
  var input = document.querySelector("input[data-place-suggest]");
  var list = input && document.getElementById(input.getAttribute("list"));
  if (!input || !list || !window.fetch) {
    return;
  }
  var url = input.getAttribute("data-place-suggest");
  var PAUSE_MS = 250;
  var MIN_LETTERS = 2;
  var answers = new Map(); // typed text -> results, so going back and forth asks once
  var timer = null;
  var inFlight = null;

  function show(results, typed) {
    var options = results.map(function (place) {
      var option = document.createElement("option");
      option.value = place.label;
      // Browsers only show options that contain what was typed: when the match was on
      // a name without accents or another name ("koln" for Köln), show that name too.
      if (place.label.toLowerCase().indexOf(typed.toLowerCase()) === -1) {
        option.label = place.matched;
      }
      return option;
    });
    list.replaceChildren.apply(list, options);
  }

  function isOffered(text) {
    return Array.prototype.some.call(list.options, function (option) {
      return option.value === text;
    });
  }

  function ask(typed) {
    var key = typed.toLowerCase();
    if (answers.has(key)) {
      show(answers.get(key), typed);
      return;
    }
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(typed), {
      headers: { Accept: "application/json" },
      signal: inFlight.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        answers.set(key, data.results);
        if (input.value.trim() === typed) {
          show(data.results, typed);
        }
      })
      .catch(function () {
        // Aborted by newer typing, or offline: the box still works as plain text.
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var typed = input.value.trim();
    // Too short to be useful, or a suggestion just picked from the list: nothing to ask.
    if (typed.length < MIN_LETTERS || isOffered(typed)) {
      return;
    }
    timer = window.setTimeout(function () {
      ask(typed);
    }, PAUSE_MS);
  });
})();
