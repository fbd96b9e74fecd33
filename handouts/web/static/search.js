// Filters the handout list as staff type; without JavaScript the Search button does the same on the server.
(function () {
  var box = document.getElementById("q");
  var none = document.getElementById("none");
  var items = document.querySelectorAll(".choices li");
  function fold(text) {  // as the server does: lowercase words without accents or punctuation
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().split(/[^\p{L}\p{N}_]+/u).join(" ");
  }
  function filter() {
    var words = fold(box.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var names = " " + item.dataset.search;
      var match = words.every(function (word) { return names.indexOf(" " + word) !== -1; });
      var checked = item.querySelector("input").checked;
      item.hidden = !(match || checked);  // a picked handout stays visible
      shown += item.hidden ? 0 : 1;
    });
    none.hidden = shown > 0;
  }
  box.addEventListener("input", filter);
  box.form.addEventListener("submit", function (event) { event.preventDefault(); filter(); });
  filter();
})();
