// The HTML report; the only folder that imports vega and vega-lite. Loaded lazily (`await import`), so that other formats and commands never pay for it.
export { renderHtml, type HtmlInput } from './render.js';
