/*
 * Send the advisor to the sign-in page when the login session has expired.
 *
 * Why: the login guard (credit_dashboard.auth) answers Dash's own requests (/_dash-layout,
 * /_dash-update-component, ...) with 401 JSON, not a redirect, because fetch() cannot follow a
 * redirect to an HTML page usefully. Without this script the page would just stop updating.
 * Dash's renderer calls the global fetch() on every request, so wrapping window.fetch here sees
 * them all; its only 401 hook (request_refresh_jwt) is for JWT bearer tokens, not cookies.
 *
 * The sign-in page does not need this file (it is self-contained and allows no script), which
 * matters because /assets/ is behind the login like everything else.
 */
(function () {
    "use strict";

    var originalFetch = window.fetch;
    if (typeof originalFetch !== "function") {
        return;
    }
    var leaving = false;

    function isDashRequest(input) {
        var address = typeof input === "string" ? input : (input && input.url) || String(input);
        try {
            var url = new URL(address, window.location.href);
            return url.origin === window.location.origin && url.pathname.indexOf("/_dash-") !== -1;
        } catch (error) {
            return false;
        }
    }

    window.fetch = function (input, init) {
        var dash = isDashRequest(input);
        return originalFetch.apply(this, arguments).then(function (response) {
            if (!dash || response.status !== 401) {
                return response;
            }
            if (!leaving) {
                // Several callbacks may fail at once: navigate once. The current path and query
                // (e.g. ?client=...) come back after signing in, through the guard's next=.
                leaving = true;
                var here = window.location.pathname + window.location.search;
                window.location.assign("/login?next=" + encodeURIComponent(here));
            }
            // Never settles: the page is being replaced, and an error here would only make Dash
            // report a failed callback in the moment before the sign-in page shows.
            return new Promise(function () {});
        });
    };
})();
