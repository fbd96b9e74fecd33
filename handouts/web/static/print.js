// Sends the handout form with fetch() and shows the PDF from a blob: URL in a new tab. A form POST
// opened in a tab stays in the browser's history and session-restore file, patient name included;
// a blob: URL carries nothing and dies with the page. Without JavaScript the form posts as before.
(function () {
  var form = document.querySelector("form.handout");
  if (!form || !window.fetch || !window.FormData || !window.URL || !URL.createObjectURL) return;
  var button = form.querySelector("button.make");
  var KEEP_PDF_MS = 60 * 1000;  // long enough for the viewer to load it; a reload later finds nothing

  function say(messageNode) {
    var old = document.querySelector("main > .message");
    if (old) old.remove();
    var main = document.querySelector("main");
    main.insertBefore(document.importNode(messageNode, true), main.firstChild);
    window.scrollTo(0, 0);
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

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // Opened now, while the click still counts, so a pop-up blocker lets it through.
    var tab = window.open("", "_blank");
    if (tab) tab.document.title = "Making the PDF…";
    button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/pdf") === 0) {
          return response.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            if (tab) tab.location.replace(url); else window.open(url, "_blank");
            setTimeout(function () { URL.revokeObjectURL(url); }, KEEP_PDF_MS);
            var old = document.querySelector("main > .message");
            if (old) old.remove();
          });
        }
        if (tab) tab.close();
        return response.text().then(function (html) { complain(response, html); });
      })
      .catch(function () {
        if (tab) tab.close();
        complain(null, null);
      })
      .then(function () { button.disabled = false; });
  });
})();
