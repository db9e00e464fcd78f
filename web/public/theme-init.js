// Applies the remembered (or the system's) colour theme before the first paint.
(function () {
  var theme = 'light';
  try {
    var saved = window.localStorage.getItem('amaima.theme');
    if (saved === 'dark' || saved === 'light') {
      theme = saved;
    } else if (window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches) {
      theme = 'dark';
    }
  } catch (e) {
    /* storage unavailable: keep the default */
  }
  document.documentElement.setAttribute('data-theme', theme);
})();
