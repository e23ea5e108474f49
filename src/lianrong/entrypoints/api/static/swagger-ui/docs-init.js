// Starts Swagger UI on the API's docs page (/api/v1/docs) with the platform's own OpenAPI document.
// Part of LianRong, not of the vendored Swagger UI: the page allows no inline script (its
// Content-Security-Policy), so the start-up lives here. validatorUrl null: nothing is sent elsewhere.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
