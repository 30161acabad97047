// Initialise every GOV.UK Frontend component on the page (service navigation toggle,
// error summary focus, notification banners, ...).
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();
