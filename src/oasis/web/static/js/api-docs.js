// /api/docs: Swagger UI from the app's own copy (make assets), never a CDN, no inline script.
(() => {
  "use strict";
  const root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") return;
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi, dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout",
  });
})();
