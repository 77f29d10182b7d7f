/** Text as it may stand in HTML, in an element or a quoted attribute: names and reasons come from configs and hosts. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
