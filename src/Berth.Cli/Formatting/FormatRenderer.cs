using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// docker's formatter.Context: "table" (default columns), "table TEMPLATE" (headers + tabwriter),
/// "json" (<c>{{json .}}</c>), or a raw template printed once per row.
/// </summary>
public static class FormatRenderer
{
    /// <summary>Renders <paramref name="rows"/> (flat string maps, like docker's per-row contexts).</summary>
    public static string Render(string? format, string defaultTableFormat, IReadOnlyList<RowContext> rows,
        IReadOnlyDictionary<string, string> headers)
    {
        var f = string.IsNullOrEmpty(format) || format == "table" ? "table " + defaultTableFormat : format;
        if (f == "json")
        {
            f = "{{json .}}";
        }
        var isTable = f.StartsWith("table", StringComparison.Ordinal);
        if (isTable)
        {
            f = f["table".Length..];
        }
        f = f.Trim(' ').Replace("\\t", "\t").Replace("\\n", "\n");
        var template = GoTemplate.Parse(f);
        var sb = new StringBuilder();
        if (isTable)
        {
            var headerTemplate = template.WithMethods((name, dot, args) => new TemplateValue(headers.TryGetValue(name, out var h) ? h : ""));
            sb.Append(headerTemplate.Execute(HeaderElement(headers, f))).Append('\n');
        }
        foreach (var row in rows)
        {
            var rowTemplate = template.WithMethods(row.Method);
            sb.Append(rowTemplate.Execute(new TemplateValue(row.Json))).Append('\n');
        }
        if (!isTable)
        {
            return sb.ToString();
        }
        var tw = new TabWriter();
        tw.Write(sb.ToString());
        return tw.Flush();
    }

    private static TemplateValue HeaderElement(IReadOnlyDictionary<string, string> headers, string format)
    {
        _ = format;
        using var doc = JsonDocument.Parse(GoJson.MarshalSortedMap(headers));
        return new TemplateValue(doc.RootElement.Clone());
    }
}

/// <summary>One row: its fields as JSON (for <c>{{json .}}</c> and field lookup) plus methods like <c>.Label "k"</c>.</summary>
public sealed class RowContext
{
    public RowContext(IReadOnlyList<KeyValuePair<string, string?>> fields, IReadOnlyDictionary<string, string>? labels = null)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (k, v) in fields.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            GoJson.WriteString(sb, k);
            sb.Append(':');
            if (v is null)
            {
                sb.Append("null");
            }
            else
            {
                GoJson.WriteString(sb, v);
            }
        }
        sb.Append('}');
        using var doc = JsonDocument.Parse(sb.ToString());
        Json = doc.RootElement.Clone();
        Labels = labels;
    }

    public JsonElement Json { get; }
    public IReadOnlyDictionary<string, string>? Labels { get; }

    public TemplateValue? Method(string name, TemplateValue dot, IReadOnlyList<TemplateValue> args)
    {
        if (name == "Label" && args.Count == 1)
        {
            return new TemplateValue(Labels is not null && Labels.TryGetValue(args[0].ToString(), out var v) ? v : "");
        }
        return null;
    }
}
