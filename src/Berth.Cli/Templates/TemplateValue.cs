using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Cli.Formatting;

namespace Berth.Cli.Templates;

/// <summary>
/// A value during template execution: a JSON element (optionally with the C# model type it
/// came from, so nil slices print as <c>[]</c> and nil maps as <c>map[]</c> like Go's typed
/// structs), or a plain string/bool/number/list produced by a function.
/// </summary>
public readonly record struct TemplateValue(object? Value, JsonTypeInfo? Type = null, bool Missing = false)
{
    public static readonly TemplateValue NoValue = new(null, null, true);

    public static TemplateValue Of(JsonElement e, JsonTypeInfo? type = null) => new(e, type);

    public JsonElement? Element => Value is JsonElement e ? e : null;

    public bool IsNull => Value is null || Value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined };

    /// <summary>Go's truthiness: false, 0, "", nil and empty collections are false.</summary>
    public bool Truthy => Value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        IReadOnlyList<TemplateValue> l => l.Count > 0,
        JsonElement e => e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => e.GetString()!.Length > 0,
            JsonValueKind.Number => e.GetDouble() != 0,
            JsonValueKind.Array => e.GetArrayLength() > 0,
            JsonValueKind.Object => e.EnumerateObject().Any(),
            _ => false,
        },
        _ => true,
    };

    /// <summary>Prints like Go's fmt %v.</summary>
    public override string ToString()
    {
        if (Missing && Type is null)
        {
            return "<no value>";
        }
        if (IsNull)
        {
            return NullText(Type);
        }
        return Value switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => FormatFloat(d),
            IReadOnlyList<TemplateValue> list => "[" + string.Join(' ', list.Select(v => v.ToString())) + "]",
            JsonElement e => Print(e, Type),
            _ => Value!.ToString() ?? "",
        };
    }

    private static string NullText(JsonTypeInfo? type)
    {
        if (type is null)
        {
            return "<nil>";
        }
        if (type.Type == typeof(string))
        {
            return "";
        }
        if (type.Type == typeof(bool) || type.Type == typeof(bool?))
        {
            return type.Type == typeof(bool) ? "false" : "<nil>";
        }
        return type.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "[]",
            JsonTypeInfoKind.Dictionary => "map[]",
            JsonTypeInfoKind.None when type.Type.IsValueType && Nullable.GetUnderlyingType(type.Type) is null => "0",
            _ => "<nil>",
        };
    }

    private static string Print(JsonElement e, JsonTypeInfo? type)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                return e.GetString()!;
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            case JsonValueKind.Number:
                return e.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : FormatFloat(e.GetDouble());
            case JsonValueKind.Array:
                var itemType = type is { Kind: JsonTypeInfoKind.Enumerable } ? GoTemplate.ElementTypeInfo(type) : null;
                return "[" + string.Join(' ', e.EnumerateArray().Select(x => Print(x, itemType))) + "]";
            case JsonValueKind.Object:
                if (type is { Kind: JsonTypeInfoKind.Object })
                {
                    // A Go struct prints its fields in order: {v1 v2 ...}.
                    var parts = new List<string>();
                    foreach (var p in type.Properties)
                    {
                        var child = GoTemplate.TypeOf(p.PropertyType);
                        parts.Add(e.TryGetProperty(p.Name, out var v) ? Print(v, child) : NullText(child));
                    }
                    return "{" + string.Join(' ', parts) + "}";
                }
                var valueType = type is { Kind: JsonTypeInfoKind.Dictionary } ? GoTemplate.ElementTypeInfo(type) : null;
                var sb = new StringBuilder("map[");
                var first = true;
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(' ');
                    }
                    first = false;
                    sb.Append(p.Name).Append(':').Append(Print(p.Value, valueType));
                }
                return sb.Append(']').ToString();
            default:
                return NullText(type);
        }
    }

    /// <summary>Go's %v for float64: shortest digits, exponent form ("1.7e+09") when exp &lt; -4 or &gt;= 6, as strconv 'g' -1 does.</summary>
    public static string FormatFloat(double d)
    {
        if (d == 0 || double.IsNaN(d) || double.IsInfinity(d))
        {
            return d == 0 ? "0" : double.IsNaN(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
        }
        var exp = (int)Math.Floor(Math.Log10(Math.Abs(d)));
        if (exp is >= -4 and < 6)
        {
            return d.ToString("R", CultureInfo.InvariantCulture);
        }
        var mantissa = (d / Math.Pow(10, exp)).ToString("R", CultureInfo.InvariantCulture);
        return $"{mantissa}e{(exp < 0 ? '-' : '+')}{Math.Abs(exp):00}";
    }

    /// <summary>The value as JSON, like Go's json.Marshal (used by the <c>json</c> function).</summary>
    public string ToJson()
    {
        if (IsNull)
        {
            return "null";
        }
        return Value switch
        {
            JsonElement e => GoJson.Marshal(e),
            string s => Quote(s),
            bool b => b ? "true" : "false",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => FormatFloat(d),
            IReadOnlyList<TemplateValue> list => "[" + string.Join(',', list.Select(v => v.ToJson())) + "]",
            _ => Quote(Value!.ToString() ?? ""),
        };

        static string Quote(string s)
        {
            var sb = new StringBuilder();
            GoJson.WriteString(sb, s);
            return sb.ToString();
        }
    }
}
