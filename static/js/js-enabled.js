// Loaded as a classic script at the start of <body> (no inline script, so a strict CSP works):
// marks the page as JavaScript-enabled before it paints, as GOV.UK Frontend expects.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
