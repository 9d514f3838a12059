// Throughcare's page script: progressive enhancement only (DESIGN.md decision 9). Every page
// works without it; browsers without ES modules never run it.
//
// Embedded by tools/web-assets/embed-assets.mjs as /assets/throughcare.js, which rewrites the path
// imported below to the fingerprinted, immutable URL of the embedded file.
import { initAll } from '/assets/nhsuk.min.js';

// The NHS.UK frontend styles its enhanced components under these classes and its JavaScript
// refuses to start without nhsuk-frontend-supported (a module script runs only where it is).
document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();
