// Initialise every GOV.UK Frontend component on the page (service navigation toggle,
// error summary focus, notification banners, ...).
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

// Tables reflow on a phone (static/css/app.css, .app-responsive-table): each cell is labelled
// with its column heading. Cells labelled in the template keep their own label.
for (const table of document.querySelectorAll("table.app-responsive-table")) {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => {
      if (!cell.hasAttribute("data-label") && headings[i] && cell.tagName === "TD") {
        cell.setAttribute("data-label", headings[i]);
      }
    });
  }
}
