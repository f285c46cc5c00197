using System.Text;

namespace Berth.Cli.Formatting;

/// <summary>
/// Go's text/tabwriter with docker's settings (minwidth 10, tabwidth 1, padding 3, pad ' ',
/// no flags): tab-terminated cells are aligned in column blocks; a line's last cell is not.
/// </summary>
public sealed class TabWriter(int minWidth = 10, int padding = 3)
{
    private readonly StringBuilder _pending = new();

    public void Write(string text) => _pending.Append(text);

    /// <summary>Formats everything written so far.</summary>
    public string Flush()
    {
        var text = _pending.ToString();
        _pending.Clear();
        var lines = text.Split('\n');
        var trailingNewline = text.EndsWith('\n');
        if (trailingNewline)
        {
            lines = lines[..^1];
        }
        var cells = lines.Select(l => l.Split('\t')).ToArray();
        var widths = new int[cells.Length][];
        for (var i = 0; i < cells.Length; i++)
        {
            widths[i] = new int[Math.Max(0, cells[i].Length - 1)];
        }
        Format(cells, widths, 0, 0, cells.Length);
        var sb = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            for (var c = 0; c < cells[i].Length; c++)
            {
                var cell = cells[i][c];
                sb.Append(cell);
                if (c < cells[i].Length - 1)
                {
                    sb.Append(' ', Math.Max(0, widths[i][c] - DisplayWidth(cell)));
                }
            }
            if (i < cells.Length - 1 || trailingNewline)
            {
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    // Go's (*Writer).format: a column block is a run of consecutive lines that have a cell in `column`.
    private void Format(string[][] cells, int[][] widths, int column, int line0, int line1)
    {
        for (var l = line0; l < line1; l++)
        {
            if (column >= cells[l].Length - 1)
            {
                continue;
            }
            var start = l;
            var width = minWidth;
            for (; l < line1 && column < cells[l].Length - 1; l++)
            {
                width = Math.Max(width, DisplayWidth(cells[l][column]) + padding);
            }
            for (var k = start; k < l; k++)
            {
                widths[k][column] = width;
            }
            Format(cells, widths, column + 1, start, l);
            l--;
        }
    }

    private static int DisplayWidth(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            n++;
        }
        return n;
    }
}
