/**
 * The little markdown our summaries write (table.md, summary.md): headings, paragraphs and pipe
 * tables, turned into HTML for the report page. Anything else is kept as an escaped paragraph.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Inline code spans (`x`) and **bold**, on escaped text. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

function table(lines: string[]): string {
  const [head, rule, ...body] = lines;
  const align = cells(rule).map((c) => c.endsWith(":") ? "right" : "left");
  const row = (tag: string, values: string[]) =>
    `<tr>${
      values.map((v, i) => `<${tag} style="text-align:${align[i] ?? "left"}">${inline(v)}</${tag}>`).join("")
    }</tr>`;
  return `<table><thead>${row("th", cells(head))}</thead><tbody>${body.map((l) => row("td", cells(l))).join("")}` +
    `</tbody></table>`;
}

/** Markdown → HTML; headings shift down by `headingOffset` levels so they nest under the page's own. */
export function markdownToHtml(markdown: string, headingOffset = 2): string {
  const blocks = markdown.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return blocks.map((block) => {
    const lines = block.split("\n");
    const heading = /^(#{1,6})\s+(.*)$/.exec(lines[0]);
    if (heading) {
      const level = Math.min(heading[1].length + headingOffset, 6);
      const rest = lines.slice(1).join("\n");
      return `<h${level}>${inline(heading[2])}</h${level}>` + (rest ? "\n" + markdownToHtml(rest, headingOffset) : "");
    }
    if (lines.length >= 2 && lines.every((l) => l.trim().startsWith("|")) && /^[\s|:-]+$/.test(lines[1])) {
      return table(lines);
    }
    return `<p>${lines.map(inline).join("<br>")}</p>`;
  }).join("\n");
}
