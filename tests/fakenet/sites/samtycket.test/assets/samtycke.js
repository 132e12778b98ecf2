// A consent manager in the style of Cookiebot's auto-blocking mode: without a stored choice
// only the "necessary" category is allowed, so only scripts marked necessary are started; the
// marketing and statistics scripts stay inert (type="text/plain") until a visitor accepts.
window.Cookiebot = { consent: { necessary: true, preferences: false, statistics: false, marketing: false } };
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll('script[type="text/plain"][data-cookieconsent]').forEach(function (held) {
    if (!window.Cookiebot.consent[held.getAttribute("data-cookieconsent")]) return;
    var run = document.createElement("script");
    if (held.src) run.src = held.src;
    else run.textContent = held.textContent;
    document.head.appendChild(run);
  });
});
