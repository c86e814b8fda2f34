// ipywidgets' embed bundle typesets a widget's label with MathJax 2's call
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]). This book loads MathJax 3, which has no Hub: give whatever
// window.MathJax is (the configuration object until MathJax 3 has loaded, MathJax itself afterwards) a Hub whose
// Queue typesets the element with MathJax 3 once MathJax is ready. See _ext/offline_book.py.
(function () {
  const hub = {
    Queue(command) {
      const element = Array.isArray(command) ? command[2] : undefined;
      const mathjax = window.MathJax;
      const ready = mathjax && mathjax.startup && mathjax.startup.promise ? mathjax.startup.promise : Promise.resolve();
      return ready.then(() => {
        if (element && window.MathJax && window.MathJax.typesetPromise) {
          return window.MathJax.typesetPromise([element]);
        }
        return undefined;  // MathJax 3 not loaded yet: its first typesetting of the page covers the element
      });
    },
  };
  let current = window.MathJax;
  if (current && !current.Hub) current.Hub = hub;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get() { return current; },
    set(value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) value.Hub = hub;
    },
  });
})();
