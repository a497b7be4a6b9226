// ReDoc's sidebar footer loads its logo from cdn.redoc.ly, unconditionally. Loaded before
// ReDoc, this points that one image at an empty inline SVG, so the docs page makes no
// request off this origin (the page's CSP would block it, with an error in the console).
(function () {
  "use strict";
  var CDN = "https://cdn.redoc.ly/";
  var BLANK = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E";
  function offline(value) {
    return typeof value === "string" && value.indexOf(CDN) === 0 ? BLANK : value;
  }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, String(name).toLowerCase() === "src" ? offline(value) : value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, offline(value));
    },
  });
})();
