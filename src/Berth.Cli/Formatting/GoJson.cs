using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Cli.Formatting;

/// <summary>JSON output the way Go's encoding/json writes it.</summary>
public static class GoJson
{
    /// <summary>
    /// Go's <c>json.Indent</c>: re-indents JSON text, copying strings and numbers verbatim
    /// (so the daemon's escaping is kept) and writing empty arrays/objects as <c>[]</c>/<c>{}</c>.
    /// </summary>
    public static string Indent(string json, string indent = "    ")
    {
        var sb = new StringBuilder(json.Length * 2);
        var depth = 0;
        var needIndent = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                continue;
            }
            if (needIndent && c is not (']' or '}'))
            {
                NewLine(sb, indent, depth);
                needIndent = false;
            }
            switch (c)
            {
                case '"':
                    var end = i + 1;
                    while (end < json.Length && json[end] != '"')
                    {
                        end += json[end] == '\\' ? 2 : 1;
                    }
                    sb.Append(json, i, Math.Min(end + 1, json.Length) - i);
                    i = end;
                    break;
                case '{' or '[':
                    sb.Append(c);
                    depth++;
                    needIndent = true;
                    break;
                case '}' or ']':
                    depth--;
                    if (needIndent)
                    {
                        needIndent = false; // empty: "{}" / "[]"
                    }
                    else
                    {
                        NewLine(sb, indent, depth);
                    }
                    sb.Append(c);
                    break;
                case ',':
                    sb.Append(',');
                    NewLine(sb, indent, depth);
                    break;
                case ':':
                    sb.Append(": ");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    private static void NewLine(StringBuilder sb, string indent, int depth)
    {
        sb.Append('\n');
        for (var i = 0; i < depth; i++)
        {
            sb.Append(indent);
        }
    }

    /// <summary>Go's <c>json.Marshal</c> of a decoded value: compact, HTML characters escaped as \u003c etc.</summary>
    public static string Marshal(JsonElement element)
    {
        var sb = new StringBuilder();
        Write(sb, element);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                var first = true;
                foreach (var p in e.EnumerateObject())
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    WriteString(sb, p.Name);
                    sb.Append(':');
                    Write(sb, p.Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var firstItem = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        sb.Append(',');
                    }
                    firstItem = false;
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(sb, e.GetString()!);
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }

    /// <summary>A JSON string literal with Go's escaping.</summary>
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    /// <summary>A JSON object with keys sorted, as Go marshals a <c>map[string]string</c>.</summary>
    public static string MarshalSortedMap(IEnumerable<KeyValuePair<string, string>> map)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            WriteString(sb, k);
            sb.Append(':');
            WriteString(sb, v);
        }
        return sb.Append('}').ToString();
    }
}
