/*
 * dcc.Upload draws a hidden <input type="file"> with no label: a screen reader announces an unnamed
 * file field (axe-core "label", WCAG 4.1.2). Name each one after the drop zone's visible text
 * ("Drop a batch file here or choose one ..."), in the page's language, for uploads drawn later too.
 */
(function () {
    "use strict";
    function name(root) {
        (root || document).querySelectorAll('input[type="file"]:not([aria-label])').forEach(
            function (input) {
                var zone = input.parentElement;
                var text = zone ? zone.textContent.trim() : "";
                input.setAttribute("aria-label", text || document.title);
            }
        );
    }
    function start() {
        name(document);
        new MutationObserver(function () { name(document); }).observe(document.body, {
            subtree: true,
            childList: true,
        });
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
