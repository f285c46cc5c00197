using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.EngineApi.Serialization;

namespace Berth.Cli.Templates;

/// <summary>A method on the data (e.g. ps's <c>.Label "key"</c>): name, receiver, arguments.</summary>
public delegate TemplateValue? TemplateMethod(string name, TemplateValue dot, IReadOnlyList<TemplateValue> args);

/// <summary>
/// A parsed Go template (docker's --format): fields (<c>.A.B</c>), pipelines, if/range/with,
/// and docker's functions json, join, split, lower, upper, title, pad, truncate, println plus
/// Go's print, printf, len, index, eq, ne, lt, le, gt, ge, not, and, or.
/// </summary>
public sealed class GoTemplate
{
    private readonly List<Node> _nodes;

    private GoTemplate(List<Node> nodes) => _nodes = nodes;

    /// <exception cref="TemplateException">Syntax error.</exception>
    public static GoTemplate Parse(string text) => new(TemplateParser.Parse(text));

    public TemplateMethod? Methods { get; init; }

    /// <summary>The same template with other methods (e.g. per-row <c>.Label</c>).</summary>
    public GoTemplate WithMethods(TemplateMethod? methods) => new(_nodes) { Methods = methods };

    public string Execute(TemplateValue data)
    {
        var sb = new StringBuilder();
        Run(_nodes, data, data, sb);
        return sb.ToString();
    }

    /// <summary>Executes over raw JSON, typed by a model's metadata when given.</summary>
    public string Execute(JsonElement data, JsonTypeInfo? type = null) => Execute(TemplateValue.Of(data, type));

    private void Run(List<Node> nodes, TemplateValue dot, TemplateValue root, StringBuilder sb)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t:
                    sb.Append(t.Text);
                    break;
                case ActionNode a:
                    sb.Append(Eval(a.Pipe, dot, root).ToString());
                    break;
                case IfNode i:
                    if (Eval(i.Cond, dot, root).Truthy)
                    {
                        Run(i.Then, dot, root, sb);
                    }
                    else if (i.Else is not null)
                    {
                        Run(i.Else, dot, root, sb);
                    }
                    break;
                case WithNode w:
                    var v = Eval(w.Value, dot, root);
                    if (v.Truthy)
                    {
                        Run(w.Body, v, root, sb);
                    }
                    else if (w.Else is not null)
                    {
                        Run(w.Else, dot, root, sb);
                    }
                    break;
                case RangeNode r:
                    var items = Items(Eval(r.Over, dot, root));
                    if (items.Count == 0 && r.Else is not null)
                    {
                        Run(r.Else, dot, root, sb);
                    }
                    foreach (var item in items)
                    {
                        Run(r.Body, item, root, sb);
                    }
                    break;
            }
        }
    }

    private static List<TemplateValue> Items(TemplateValue v)
    {
        if (v.Value is IReadOnlyList<TemplateValue> list)
        {
            return [.. list];
        }
        if (v.Element is { } e)
        {
            var elementType = v.Type is null ? null : ElementTypeInfo(v.Type);
            if (e.ValueKind == JsonValueKind.Array)
            {
                return [.. e.EnumerateArray().Select(x => TemplateValue.Of(x, elementType))];
            }
            if (e.ValueKind == JsonValueKind.Object)
            {
                return [.. e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => TemplateValue.Of(p.Value, elementType))];
            }
        }
        return [];
    }

    private TemplateValue Eval(Pipeline pipe, TemplateValue dot, TemplateValue root)
    {
        TemplateValue? piped = null;
        foreach (var cmd in pipe.Commands)
        {
            piped = EvalCommand(cmd, dot, root, piped);
        }
        return piped ?? TemplateValue.NoValue;
    }

    private TemplateValue EvalCommand(Command cmd, TemplateValue dot, TemplateValue root, TemplateValue? piped)
    {
        var head = cmd.Args[0];
        var args = cmd.Args.Skip(1).Select(a => EvalArg(a, dot, root)).ToList();
        if (piped is { } p)
        {
            args.Add(p);
        }
        switch (head)
        {
            case FuncArg f:
                return TemplateFunctions.Call(f.Name, args);
            case FieldArg field when args.Count > 0:
                // A method call such as .Label "com.example".
                var receiver = field.Fields.Length > 1 ? Resolve(field with { Fields = field.Fields[..^1] }, dot, root) : field.Root ? root : dot;
                return Methods?.Invoke(field.Fields[^1], receiver, args)
                       ?? throw new TemplateException($"template: :1: can't call method/function \"{field.Fields[^1]}\" with {args.Count} args");
            default:
                if (args.Count > 0)
                {
                    throw new TemplateException("template: :1: can't give argument to non-function");
                }
                return EvalArg(head, dot, root);
        }
    }

    private TemplateValue EvalArg(Arg arg, TemplateValue dot, TemplateValue root) => arg switch
    {
        LiteralArg l => new TemplateValue(l.Value),
        FieldArg f => Resolve(f, dot, root),
        SubPipeArg s => Eval(s.Pipe, dot, root),
        FuncArg f => TemplateFunctions.Call(f.Name, []),
        _ => TemplateValue.NoValue,
    };

    private TemplateValue Resolve(FieldArg f, TemplateValue dot, TemplateValue root)
    {
        var v = f.Root ? root : dot;
        foreach (var name in f.Fields)
        {
            if (Methods?.Invoke(name, v, []) is { } m)
            {
                v = m;
                continue;
            }
            v = Field(v, name);
        }
        return v;
    }

    /// <summary>Looks a field up: exact JSON name first, then case-insensitively (so .ID finds "Id").</summary>
    internal static TemplateValue Field(TemplateValue v, string name)
    {
        JsonPropertyInfo? prop = null;
        if (v.Type is { Kind: JsonTypeInfoKind.Object } t)
        {
            prop = t.Properties.FirstOrDefault(p => p.Name == name)
                   ?? t.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        }
        var childType = prop is null ? (v.Type is { Kind: JsonTypeInfoKind.Dictionary } d ? ElementTypeInfo(d) : null) : TypeOf(prop.PropertyType);
        if (v.Element is { ValueKind: JsonValueKind.Object } e)
        {
            if (e.TryGetProperty(name, out var exact))
            {
                return TemplateValue.Of(exact, childType);
            }
            foreach (var p in e.EnumerateObject())
            {
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return TemplateValue.Of(p.Value, childType);
                }
            }
        }
        return childType is not null && prop is not null ? new TemplateValue(null, childType, Missing: true) : TemplateValue.NoValue;
    }

    internal static JsonTypeInfo? TypeOf(Type type)
    {
        try
        {
            return EngineJson.Context.GetTypeInfo(type);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The element type of a list, or value type of a dictionary.</summary>
    internal static JsonTypeInfo? ElementTypeInfo(JsonTypeInfo type) =>
        type.ElementType is { } et ? TypeOf(et) : null;
}

internal static class TemplateFunctions
{
    public static TemplateValue Call(string name, List<TemplateValue> a)
    {
        switch (name)
        {
            case "json":
                return new TemplateValue(Need(a, 1, name)[0].ToJson());
            case "join":
                Need(a, 2, name);
                return new TemplateValue(string.Join(a[1].ToString(), ListOf(a[0]).Select(x => x.ToString())));
            case "split":
                Need(a, 2, name);
                return new TemplateValue(a[0].ToString().Split(a[1].ToString()).Select(s => new TemplateValue(s)).ToList());
            case "lower":
                return new TemplateValue(Need(a, 1, name)[0].ToString().ToLowerInvariant());
            case "upper":
                return new TemplateValue(Need(a, 1, name)[0].ToString().ToUpperInvariant());
            case "title":
                return new TemplateValue(Title(Need(a, 1, name)[0].ToString()));
            case "pad":
                Need(a, 3, name);
                return new TemplateValue(new string(' ', (int)Num(a[1])) + a[0] + new string(' ', (int)Num(a[2])));
            case "truncate":
                Need(a, 2, name);
                var s = a[0].ToString();
                var n = (int)Num(a[1]);
                return new TemplateValue(s.Length > n ? s[..n] : s);
            case "println":
                return new TemplateValue(string.Join(' ', a.Select(x => x.ToString())) + "\n");
            case "print":
                return new TemplateValue(string.Concat(a.Select(x => x.ToString())));
            case "printf":
                return new TemplateValue(Printf(Need(a, 1, name)[0].ToString(), a.Skip(1).ToList()));
            case "len":
                var v = Need(a, 1, name)[0];
                return new TemplateValue((long)(v.Value switch
                {
                    string str => str.Length,
                    IReadOnlyList<TemplateValue> l => l.Count,
                    JsonElement { ValueKind: JsonValueKind.Array } e => e.GetArrayLength(),
                    JsonElement { ValueKind: JsonValueKind.Object } e => e.EnumerateObject().Count(),
                    JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!.Length,
                    _ => 0,
                }));
            case "index":
                var cur = Need(a, 2, name)[0];
                foreach (var key in a.Skip(1))
                {
                    cur = cur.Element is { ValueKind: JsonValueKind.Array } arr && key.Value is long i
                        ? (i < arr.GetArrayLength() ? TemplateValue.Of(arr[(int)i], cur.Type is null ? null : GoTemplate.ElementTypeInfo(cur.Type)) : throw new TemplateException($"template: :1: error calling index: index out of range: {i}"))
                        : cur.Value is IReadOnlyList<TemplateValue> list && key.Value is long j ? list[(int)j]
                        : GoTemplate.Field(cur, key.ToString());
                }
                return cur;
            case "eq":
                Need(a, 2, name);
                return new TemplateValue(a.Skip(1).Any(x => Same(a[0], x)));
            case "ne":
                Need(a, 2, name);
                return new TemplateValue(!Same(a[0], a[1]));
            case "lt" or "le" or "gt" or "ge":
                Need(a, 2, name);
                var c = Compare(a[0], a[1]);
                return new TemplateValue(name switch { "lt" => c < 0, "le" => c <= 0, "gt" => c > 0, _ => c >= 0 });
            case "not":
                return new TemplateValue(!Need(a, 1, name)[0].Truthy);
            case "and":
                Need(a, 1, name);
                return a.FirstOrDefault(x => !x.Truthy, a[^1]);
            case "or":
                Need(a, 1, name);
                return a.FirstOrDefault(x => x.Truthy, a[^1]);
            default:
                throw new TemplateException($"template: :1: function \"{name}\" not defined");
        }
    }

    private static List<TemplateValue> Need(List<TemplateValue> a, int n, string name) =>
        a.Count >= n ? a : throw new TemplateException($"template: :1: wrong number of args for {name}: want {n} got {a.Count}");

    private static IEnumerable<TemplateValue> ListOf(TemplateValue v) => v.Value switch
    {
        IReadOnlyList<TemplateValue> l => l,
        JsonElement { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(x => TemplateValue.Of(x)),
        _ => [v],
    };

    private static double Num(TemplateValue v) => v.Value switch
    {
        long l => l,
        double d => d,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        _ => double.TryParse(v.ToString(), CultureInfo.InvariantCulture, out var d) ? d : 0,
    };

    private static bool IsNumber(TemplateValue v) => v.Value is long or double or JsonElement { ValueKind: JsonValueKind.Number };

    private static bool Same(TemplateValue x, TemplateValue y) =>
        IsNumber(x) && IsNumber(y) ? Num(x) == Num(y) : x.ToString() == y.ToString();

    private static int Compare(TemplateValue x, TemplateValue y) =>
        IsNumber(x) && IsNumber(y) ? Num(x).CompareTo(Num(y)) : string.CompareOrdinal(x.ToString(), y.ToString());

    private static string Title(string s)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if ((i == 0 || !char.IsLetter(chars[i - 1])) && char.IsLetter(chars[i]))
            {
                chars[i] = char.ToUpperInvariant(chars[i]);
            }
        }
        return new string(chars);
    }

    private static string Printf(string format, List<TemplateValue> args)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            var verb = format[++i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (next >= args.Count)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }
            var arg = args[next++];
            sb.Append(verb switch
            {
                'q' => arg.ToJson(),
                'd' => ((long)Num(arg)).ToString(CultureInfo.InvariantCulture),
                _ => arg.ToString(),
            });
        }
        return sb.ToString();
    }
}
