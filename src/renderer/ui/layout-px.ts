/**
 * Sizes the loading screen needs before the viewer's chunk has loaded (app.tsx starts WebGL at the
 * canvas size the viewer will have), kept out of bottom-panel.tsx so the page's first chunk does
 * not pull in the panels.
 */

/** The bottom panel's height until the user drags it (the viewer keeps this much room for it before it mounts). */
export const BOTTOM_PANEL_PX = 240;
