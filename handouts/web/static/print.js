// Sends the handout form with fetch() and shows the PDF from a blob: URL in a new tab. A form POST
// opened in a tab stays in the browser's history and session-restore file, patient name included;
// a blob: URL carries nothing and dies with the page. Without JavaScript the form posts as before.
// Afterwards focus is where the desk needs it: on the button again, or on the first field the message
// says to fix (each line of it tied to its field: aria-describedby, aria-invalid), else on the message.
(function () {
  var form = document.querySelector("form.handout");
  if (!form || !window.fetch || !window.FormData || !window.URL || !URL.createObjectURL) return;
  var button = form.querySelector("button.make");
  var making = form.querySelector(".making");
  var bar = form.querySelector(".picked");

  // Whatever the desk tabs to scrolls clear of the sticky bar (WCAG 2.4.11): the page's scroll padding
  // follows the bar's height as picks are added.
  function padForBar() {
    var sticky = bar && getComputedStyle(bar).position === "sticky";
    document.documentElement.style.setProperty("--picked-height", sticky ? bar.offsetHeight + 16 + "px" : "0px");
  }
  if (bar && window.ResizeObserver) new ResizeObserver(padForBar).observe(bar);
  window.addEventListener("resize", padForBar);
  padForBar();
  var KEEP_PDF_MS = 60 * 1000;  // long enough for the viewer to load it; a reload later finds nothing

  function untie() {
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      var own = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id.indexOf("problem-") !== 0;
      });
      field.removeAttribute("aria-invalid");
      if (own.length) field.setAttribute("aria-describedby", own.join(" "));
      else field.removeAttribute("aria-describedby");
    });
  }

  // Each line of the message that names a field is tied to it (a group of checkboxes: to each one);
  // the fields, in the message's order.
  function tie(message) {
    var tied = [];
    message.querySelectorAll("li[data-field]").forEach(function (line) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name !== line.dataset.field) return;
        var details = field.closest("details");
        if (details) details.open = true;
        field.setAttribute("aria-invalid", "true");
        var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        field.setAttribute("aria-describedby", [line.id].concat(ids).join(" "));
        tied.push(field);
      });
    });
    return tied;
  }

  function clearMessage() {
    var old = document.querySelector("main > .message");
    if (old) old.remove();
    untie();
  }

  function say(messageNode) {
    clearMessage();
    var main = document.querySelector("main");
    var message = main.insertBefore(document.importNode(messageNode, true), main.firstChild);
    message.removeAttribute("autofocus");
    message.setAttribute("tabindex", "-1");
    var tied = tie(message);
    message.focus();  // read out; where no field can take the focus, the next Tab goes on from the top
    tied.some(function (field) {  // the first that can (a checkbox the search hides cannot)
      field.focus();
      return document.activeElement === field;
    });
  }

  function plainMessage(text) {
    var box = document.createElement("div");
    box.className = "message";
    box.setAttribute("role", "alert");
    box.textContent = text;
    return box;
  }

  function complain(response, html) {
    if (response && response.redirected && /\/login$/.test(new URL(response.url).pathname)) {
      window.location.assign(response.url);  // signed out (idle too long): sign in again
      return;
    }
    var found = html && new DOMParser().parseFromString(html, "text/html").querySelector(".message");
    say(found || plainMessage("The PDF could not be made. Reload the page and try again."));
  }

  // Busy (503): the server could not start the PDF within its queue's deadline. The page waits the
  // Retry-After it was given and sends the form again by itself, a few times, saying so in the live region.
  var MAX_TRIES = 4;
  var DEFAULT_RETRY_SECONDS = 3;

  function retrySeconds(response) {
    var seconds = parseInt(response.headers.get("Retry-After") || "", 10);
    return seconds > 0 ? Math.min(seconds, 60) : DEFAULT_RETRY_SECONDS;
  }

  function finish(tab, failed) {
    if (failed && tab) tab.close();
    if (making) making.textContent = failed ? "" : "Your PDF is open in a new tab.";
    button.disabled = false;
    if (!failed) button.focus();  // disabled, it lost focus: back where the desk left it
  }

  function send(tab, tries) {
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/pdf") === 0) {
          return response.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            if (tab) tab.location.replace(url); else window.open(url, "_blank");
            setTimeout(function () { URL.revokeObjectURL(url); }, KEEP_PDF_MS);
            clearMessage();
            finish(tab, false);
          });
        }
        if (response.status === 503 && tries < MAX_TRIES) {
          var seconds = retrySeconds(response);
          if (making) making.textContent = "The front desk is busy. Trying again in " + seconds + " seconds…";
          setTimeout(function () {
            if (making) making.textContent = "Making your PDF…";
            send(tab, tries + 1);
          }, seconds * 1000);
          return undefined;
        }
        return response.text().then(function (html) {
          finish(tab, true);
          if (response.status === 503) {
            say(plainMessage("The front desk is still busy after " + tries + " tries. " +
              "Wait a minute, then press Open PDF to print again."));
          } else {
            complain(response, html);
          }
        });
      })
      .catch(function () {
        finish(tab, true);
        complain(null, null);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // Opened now, while the click still counts, so a pop-up blocker lets it through.
    var tab = window.open("", "_blank");
    if (tab) tab.document.title = "Making the PDF…";
    button.disabled = true;
    if (making) making.textContent = "Making your PDF…";
    send(tab, 1);
  });
})();
