/*
 * Dash 4's dcc.Dropdown puts its keyboard focus on a hidden, aria-hidden <input> that forwards
 * focus to the real trigger <button> (tabindex -1). axe-core rightly flags that as
 * "aria-hidden-focus" (a focusable element hidden from assistive technology). Here the trigger
 * button takes the tab stop itself and the hidden input leaves the tab order, which keeps keyboard
 * access and removes the hidden focus target. A MutationObserver re-applies it to dropdowns added
 * later (pages and panels are drawn by callbacks) and after the component resets the tab index.
 */
(function () {
    "use strict";
    function fix(root) {
        var targets = (root.querySelectorAll ? root : document).querySelectorAll(
            ".dash-dropdown-focus-target"
        );
        targets.forEach(function (input) {
            if (input.tabIndex !== -1) {
                input.tabIndex = -1;
            }
            var button = input.nextElementSibling;
            if (button && button.tagName === "BUTTON" && !button.disabled && button.tabIndex !== 0) {
                button.tabIndex = 0;
            }
        });
    }
    function start() {
        fix(document);
        new MutationObserver(function (mutations) {
            for (var i = 0; i < mutations.length; i++) {
                var m = mutations[i];
                if (m.type === "attributes" || m.addedNodes.length) {
                    fix(document);
                    return;
                }
            }
        }).observe(document.body, {
            subtree: true,
            childList: true,
            attributes: true,
            attributeFilter: ["tabindex"],
        });
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
