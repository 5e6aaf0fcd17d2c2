/** The HTML report's Content-Security-Policy: no script and no request of any kind; inline styles (the page's and its SVG's) only. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The same, as an HTTP header, which may also forbid framing (a <meta> policy cannot). */
export const REPORT_CSP_HEADER = `${REPORT_CSP}; frame-ancestors 'none'`;
