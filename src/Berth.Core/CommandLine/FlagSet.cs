using System.Globalization;
using System.Text;

namespace Berth.Core.CommandLine;

public enum FlagKind
{
    Bool,
    String,
    /// <summary>Repeatable; every occurrence is kept (docker's stringArray / list opts); the first one replaces a default.</summary>
    StringList,
    Int,
}

/// <param name="ValueType">The value's name in help (pflag's Type(): bytes, decimal, mount…); null: from <paramref name="Kind"/>.</param>
/// <param name="Parse">Checks and normalises each value as it is read (a pflag Value's Set); throws <see cref="FormatException"/>.</param>
/// <param name="AliasOf">For a hidden second name: the flag whose values it adds to.</param>
public sealed record FlagDef(string Long, char? Short, FlagKind Kind, string Help, string? Default = null,
    string? ValueType = null, Func<string, string>? Parse = null, string? AliasOf = null)
{
    /// <summary>Where the values are kept: the flag's own name, or the one it is an alias of.</summary>
    public string Key => AliasOf ?? Long;

    public string TypeName => ValueType ?? Kind switch { FlagKind.StringList => "list", FlagKind.Int => "int", FlagKind.String => "string", _ => "" };
}

/// <summary>A command-line usage error (exit 125, or 1 for argument counts), printed with usage.</summary>
public sealed class UsageException(string message, int exitCode = 125) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// A small parser with spf13/pflag's semantics (what the docker CLI and dockerd use): <c>--flag=value</c>,
/// <c>--flag value</c>, combined short flags (<c>-it</c>, <c>-di</c>), a short flag's value glued
/// on (<c>-eA=B</c>, <c>-e=A</c>) or in the next argument, repeated flags, <c>--</c>, and
/// optionally no interspersed flags: parsing stops at the first positional (so
/// <c>run IMAGE sh -c x</c> hands <c>-c</c> to the container).
/// </summary>
/// <remarks>
/// The one command-line parser of all four executables (berth, berthd, berth-registry,
/// berth-shim). Written by hand instead of System.CommandLine: its parser has no "stop at first
/// positional" mode, its syntax, error messages and help output differ from docker's and
/// dockerd's, which scripts parse, and it would add to every NativeAOT binary.
/// </remarks>
public sealed class FlagSet
{
    private readonly List<FlagDef> _defs = [];
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public IReadOnlyList<FlagDef> Definitions => _defs;
    public List<string> Positionals { get; } = [];

    public FlagSet Add(string longName, char? shortName, FlagKind kind, string help, string? defaultValue = null)
    {
        _defs.Add(new FlagDef(longName, shortName, kind, help, defaultValue));
        return this;
    }

    public FlagSet Bool(string longName, char? shortName, string help, bool defaultValue = false) =>
        Add(longName, shortName, FlagKind.Bool, help, defaultValue ? "true" : null);
    public FlagSet String(string longName, char? shortName, string help, string? defaultValue = null) => Add(longName, shortName, FlagKind.String, help, defaultValue);
    /// <param name="defaultValue">The list's one value until the flag is given (dockerd's <c>-H</c>).</param>
    public FlagSet List(string longName, char? shortName, string help, string? defaultValue = null) => Add(longName, shortName, FlagKind.StringList, help, defaultValue);
    public FlagSet Int(string longName, char? shortName, string help, string? defaultValue = null) => Add(longName, shortName, FlagKind.Int, help, defaultValue);

    /// <summary>
    /// A flag of a docker value type: <paramref name="parse"/> checks each value when it is read and
    /// returns what is kept; its <see cref="FormatException"/> becomes pflag's
    /// <c>invalid argument "V" for "-m, --memory" flag: MESSAGE</c> (exit 125).
    /// </summary>
    public FlagSet Value(string longName, char? shortName, string valueType, string help, Func<string, string> parse, bool repeatable = false,
        string? defaultValue = null)
    {
        _defs.Add(new FlagDef(longName, shortName, repeatable ? FlagKind.StringList : FlagKind.String, help, defaultValue, valueType, parse));
        return this;
    }

    /// <summary>A second, hidden name for <paramref name="target"/> (docker's MarkHidden aliases, such as --dns-opt for --dns-option).</summary>
    public FlagSet HiddenAlias(string longName, string target)
    {
        _defs.Add(_defs.First(d => d.Long == target) with { Long = longName, Short = null, AliasOf = target });
        return this;
    }

    public bool Changed(string longName) => _values.ContainsKey(longName);

    public bool GetBool(string longName) =>
        _values.TryGetValue(longName, out var v) ? v[^1] is "true" : _defs.First(d => d.Long == longName).Default is "true";

    public string? GetString(string longName) =>
        _values.TryGetValue(longName, out var v) ? v[^1] : _defs.First(d => d.Long == longName).Default;

    public IReadOnlyList<string> GetList(string longName) =>
        _values.TryGetValue(longName, out var v) ? v
        : _defs.First(d => d.Long == longName).Default is { } d ? [d] : [];

    public int? GetInt(string longName) =>
        GetString(longName) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// pflag's <c>FlagUsages()</c>: one line per flag (aliases hidden), sorted by name, help texts in one
    /// column three spaces after the longest flag, each default that is not the zero value appended
    /// (<c>(default "x")</c> for strings, <c>(default [x])</c> for lists), as dockerd's <c>--help</c> prints them.
    /// </summary>
    public string FlagUsages()
    {
        var shown = _defs.Where(d => d.AliasOf is null).OrderBy(d => d.Long, StringComparer.Ordinal)
            .Select(d => (Name: (d.Short is { } s ? $"  -{s}, --" : "      --") + d.Long + (d.TypeName.Length > 0 ? " " + d.TypeName : ""),
                Help: d.Help + DefaultText(d)))
            .ToList();
        var width = shown.Count == 0 ? 0 : shown.Max(f => f.Name.Length) + 3;
        var text = new StringBuilder();
        foreach (var (name, help) in shown)
        {
            text.Append(name.PadRight(width)).Append(help).Append('\n');
        }
        return text.ToString();
    }

    private static string DefaultText(FlagDef def) => def switch
    {
        { Default: null or "" or "0" or "false" } => "",
        { Kind: FlagKind.StringList } => $" (default [{def.Default}])",
        { TypeName: "string" } => $" (default {GoSyntax.Quote(def.Default)})",
        _ => $" (default {def.Default})",
    };

    /// <summary>Parses <paramref name="args"/>; positionals land in <see cref="Positionals"/>.</summary>
    /// <exception cref="UsageException">Unknown flag, missing or malformed value.</exception>
    public FlagSet Parse(IReadOnlyList<string> args, bool interspersed = true)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                Positionals.AddRange(args.Skip(i + 1));
                return this;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                i = ParseLong(args, i);
            }
            else if (a.Length > 1 && a[0] == '-')
            {
                i = ParseShorts(args, i);
            }
            else
            {
                Positionals.Add(a);
                if (!interspersed)
                {
                    Positionals.AddRange(args.Skip(i + 1));
                    return this;
                }
            }
        }
        return this;
    }

    private int ParseLong(IReadOnlyList<string> args, int i)
    {
        var body = args[i][2..];
        string? value = null;
        var eq = body.IndexOf('=');
        if (eq >= 0)
        {
            value = body[(eq + 1)..];
            body = body[..eq];
        }
        var def = _defs.FirstOrDefault(d => d.Long == body)
                  ?? throw new UsageException($"unknown flag: --{body}");
        if (def.Kind == FlagKind.Bool)
        {
            Set(def, value ?? "true");
            return i;
        }
        if (value is null)
        {
            if (i + 1 >= args.Count)
            {
                throw new UsageException($"flag needs an argument: --{def.Long}");
            }
            value = args[++i];
        }
        Set(def, value);
        return i;
    }

    private int ParseShorts(IReadOnlyList<string> args, int i)
    {
        var shorts = args[i][1..];
        for (var j = 0; j < shorts.Length; j++)
        {
            var c = shorts[j];
            var def = _defs.FirstOrDefault(d => d.Short == c)
                      ?? throw new UsageException($"unknown shorthand flag: '{c}' in -{shorts}");
            var rest = shorts[(j + 1)..];
            if (def.Kind == FlagKind.Bool)
            {
                if (rest.StartsWith('='))
                {
                    Set(def, rest[1..]);
                    return i;
                }
                Set(def, "true");
                continue;
            }
            if (rest.Length > 0)
            {
                Set(def, rest.StartsWith('=') ? rest[1..] : rest);
                return i;
            }
            if (i + 1 >= args.Count)
            {
                throw new UsageException($"flag needs an argument: '{c}' in -{shorts}");
            }
            Set(def, args[++i]);
            return i;
        }
        return i;
    }

    private void Set(FlagDef def, string value)
    {
        var name = def.Short is { } s ? $"-{s}, --{def.Long}" : $"--{def.Long}";
        UsageException InvalidArgument(string why) => new($"invalid argument {GoSyntax.Quote(value)} for \"{name}\" flag: {why}");
        switch (def.Kind)
        {
            case FlagKind.Bool:
                value = GoSyntax.ParseBool(value) is { } b
                    ? (b ? "true" : "false")
                    : throw InvalidArgument($"strconv.ParseBool: parsing {GoSyntax.Quote(value)}: invalid syntax");
                break;
            case FlagKind.Int when !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _):
                throw InvalidArgument($"strconv.ParseInt: parsing {GoSyntax.Quote(value)}: invalid syntax");
        }
        if (def.Parse is { } parse)
        {
            try
            {
                value = parse(value);
            }
            catch (FormatException e)
            {
                throw InvalidArgument(e.Message);
            }
        }
        if (!_values.TryGetValue(def.Key, out var list))
        {
            _values[def.Key] = list = [];
        }
        if (def.Kind != FlagKind.StringList)
        {
            list.Clear();
        }
        list.Add(value);
    }
}
