// Filters the handout list as staff type, matching as the server does (handouts/web/search.py): every
// word that names something starts a word of a handout's names (in Chinese or Japanese, where words are
// not spaced, it stands anywhere in them); a plural finds its singular. The
// count is said by a live region. "You picked" lists the ticked handouts. Without JavaScript the
// Search button asks the server.
(function () {
  var box = document.getElementById("q");
  var count = document.getElementById("count");
  var items = document.querySelectorAll(".choices li");
  var skipped = box.dataset.skip.split(" ");
  var pickedBox = document.querySelector(".picked-names");
  var pickedList = pickedBox.querySelector("ul");
  var SAY_AFTER_MS = 400;

  var UNSPACED = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  function fold(text) {  // lowercase words without accents, vowel marks or punctuation
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().split(/[^\p{L}\p{N}_]+/u).join(" ");
  }
  function found(word, names) {
    if (UNSPACED.test(word)) return names.indexOf(word) !== -1;
    var stems = [word];
    ["es", "s"].forEach(function (end) {
      if (word.length > end.length + 2 && word.slice(-end.length) === end) stems.push(word.slice(0, -end.length));
    });
    return stems.some(function (stem) { return names.indexOf(" " + stem) !== -1; });
  }
  function say(shown, query) {
    var text;
    if (shown === 0) text = "No handout matches. Try another word.";
    else if (query) text = shown + (shown === 1 ? " handout matches" : " handouts match");
    else text = shown + (shown === 1 ? " handout" : " handouts");
    if (count.textContent !== text) count.textContent = text;
  }
  var waiting;
  function filter(sayAt) {
    var words = fold(box.value).split(" ").filter(function (word) { return word && skipped.indexOf(word) === -1; });
    var shown = 0;
    items.forEach(function (item) {
      var names = " " + item.dataset.search;
      var match = words.every(function (word) { return found(word, names); });
      item.hidden = !(match || item.querySelector("input").checked);  // a picked handout stays in the list
      shown += match ? 1 : 0;
    });
    clearTimeout(waiting);  // said once typing pauses, not at every key
    waiting = setTimeout(function () { say(shown, words.length > 0); }, sayAt);
  }
  function showPicked() {
    pickedList.textContent = "";
    items.forEach(function (item) {
      if (!item.querySelector("input").checked) return;
      var entry = document.createElement("li");
      entry.textContent = item.querySelector(".title").textContent;
      pickedList.appendChild(entry);
    });
    pickedBox.hidden = pickedList.children.length === 0;
  }
  box.addEventListener("input", function () { filter(SAY_AFTER_MS); });
  box.form.addEventListener("submit", function (event) { event.preventDefault(); filter(0); });
  document.querySelector(".choices").addEventListener("change", showPicked);
  filter(0);
  showPicked();
})();
