/** Plain aligned columns for terminals (`--json` is the format for scripts). */

/** `rows` under `headers`, each column as wide as its widest cell, cells cut at `maxCell` characters. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], maxCell = 60): string {
  const cut = (cell: string): string => {
    const flat = cell.replace(/\s+/g, ' ');
    return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
  };
  const cells = [headers, ...rows].map((row) => row.map(cut));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
