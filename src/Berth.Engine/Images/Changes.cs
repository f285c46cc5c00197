using System.Text;
using System.Text.Json;
using Berth.Core.Errors;

namespace Berth.Engine.Images;

/// <summary>
/// Applies the `changes` of docker import/commit (Dockerfile instructions) to a container config,
/// as docker's dockerfile.BuildFromConfig does: the changes are joined by newlines and read as a
/// Dockerfile, and only the instructions that change metadata are allowed.
/// </summary>
public static class Changes
{
    private static readonly HashSet<string> Allowed =
        ["cmd", "entrypoint", "env", "expose", "healthcheck", "label", "onbuild", "stopsignal", "user", "volume", "workdir"];

    /// <summary>Returns a new config: <paramref name="baseConfig"/> (or an empty one) with the changes applied.</summary>
    public static ContainerConfig Apply(ContainerConfig? baseConfig, IReadOnlyList<string> changes)
    {
        var config = baseConfig is null ? new ContainerConfig() : Clone(baseConfig);
        var lines = LogicalLines(string.Join('\n', changes));

        // Docker validates every instruction before applying any.
        var parsed = new List<(string Name, string Args)>();
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            var space = trimmed.IndexOfAny([' ', '\t']);
            var name = (space < 0 ? trimmed : trimmed[..space]).ToLowerInvariant();
            var args = space < 0 ? "" : trimmed[(space + 1)..].Trim();
            if (!Allowed.Contains(name))
                throw new InvalidParameterException($"{name} is not a valid change command");
            parsed.Add((name, args));
        }

        var cmdSet = false;
        foreach (var (name, args) in parsed)
        {
            switch (name)
            {
                case "cmd":
                    config.Cmd = CommandLine(args, config);
                    cmdSet = true;
                    break;
                case "entrypoint":
                    config.Entrypoint = CommandLine(args, config);
                    // Docker: a new ENTRYPOINT drops an inherited CMD unless CMD was set here too.
                    if (!cmdSet) config.Cmd = null;
                    break;
                case "env":
                    foreach (var (key, value) in NameValues("ENV", args, config))
                    {
                        config.Env ??= [];
                        var index = config.Env.FindIndex(e => e.StartsWith(key + "=", StringComparison.Ordinal) || e == key);
                        if (index >= 0) config.Env[index] = key + "=" + value;
                        else config.Env.Add(key + "=" + value);
                    }
                    break;
                case "label":
                    foreach (var (key, value) in NameValues("LABEL", args, config))
                        (config.Labels ??= [])[key] = value;
                    break;
                case "expose":
                    var ports = ShellWords.Split(args).Select(w => ShellWords.Expand(w, config.Env)).ToList();
                    if (ports.Count == 0) throw AtLeastOne("EXPOSE");
                    foreach (var port in ports)
                        foreach (var key in PortKeys(port))
                            (config.ExposedPorts ??= [])[key] = EmptyObject.Instance;
                    break;
                case "user":
                    config.User = ShellWords.Expand(ExactlyOne("USER", args), config.Env);
                    break;
                case "workdir":
                    config.WorkingDir = NormaliseWorkdir(config.WorkingDir, ShellWords.Expand(ExactlyOne("WORKDIR", args), config.Env));
                    break;
                case "volume":
                    var volumes = TryJsonArray(args) ?? ShellWords.Split(args);
                    if (volumes.Count == 0) throw AtLeastOne("VOLUME");
                    foreach (var raw in volumes)
                    {
                        var volume = ShellWords.Expand(raw, config.Env).Trim();
                        if (volume.Length == 0) throw new InvalidParameterException("VOLUME specified can not be an empty string");
                        (config.Volumes ??= [])[volume] = EmptyObject.Instance;
                    }
                    break;
                case "stopsignal":
                    var signal = ShellWords.Expand(ExactlyOne("STOPSIGNAL", args), config.Env);
                    if (!IsSignal(signal)) throw new InvalidParameterException($"Invalid signal: {signal}");
                    config.StopSignal = signal;
                    break;
                case "onbuild":
                    config.OnBuild ??= [];
                    config.OnBuild.Add(OnBuildTrigger(args));
                    break;
                case "healthcheck":
                    config.Healthcheck = Healthcheck.Parse(args);
                    break;
            }
        }
        return config;
    }

    /// <summary>Splits a Dockerfile into instructions: backslash-newline continues, # starts a comment line.</summary>
    private static List<string> LogicalLines(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (current.Length == 0 && (line.TrimStart().Length == 0 || line.TrimStart().StartsWith('#'))) continue;
            var trimmedEnd = line.TrimEnd();
            if (trimmedEnd.EndsWith('\\'))
            {
                current.Append(trimmedEnd[..^1]);
                continue;
            }
            current.Append(line);
            result.Add(current.ToString());
            current.Clear();
        }
        if (current.Length > 0) result.Add(current.ToString());
        return result;
    }

    /// <summary>JSON form (["a","b"]) as is; shell form becomes [shell..., "line"].</summary>
    internal static List<string> CommandLine(string args, ContainerConfig config)
    {
        if (TryJsonArray(args) is { } json) return json;
        var shell = config.Shell is { Count: > 0 } s ? new List<string>(s) : ["/bin/sh", "-c"];
        shell.Add(args);
        return shell;
    }

    /// <summary>Dockerfile's "maybe JSON": a JSON array of strings, or null for shell form.</summary>
    internal static List<string>? TryJsonArray(string args)
    {
        if (!args.StartsWith('[')) return null;
        try
        {
            return JsonSerializer.Deserialize(args, ImageJsonContext.Default.ListString);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<(string Key, string Value)> NameValues(string instruction, string args, ContainerConfig config)
    {
        var words = ShellWords.Split(args);
        if (words.Count == 0) throw AtLeastOne(instruction);
        if (!words[0].Contains('='))
        {
            // Legacy "ENV key value with spaces": everything after the key is the value.
            var rest = args[words[0].Length..].Trim();
            if (rest.Length == 0) throw new InvalidParameterException($"{instruction} must have two arguments");
            return [(ShellWords.Expand(words[0], config.Env), ShellWords.Expand(rest, config.Env))];
        }
        var pairs = new List<(string, string)>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            if (eq < 0) throw new InvalidParameterException($"Syntax error - can't find = in \"{word}\". Must be of the form: name=value");
            var key = ShellWords.Expand(word[..eq], config.Env);
            if (key.Length == 0) throw new InvalidParameterException($"{instruction} names can not be blank");
            // ENV k1=a k2=$k1: later pairs see earlier ones, as docker's dispatcher does.
            var env = config.Env is null ? new List<string>() : new List<string>(config.Env);
            foreach (var (k, v) in pairs) env.Add(k + "=" + v);
            pairs.Add((key, ShellWords.Expand(word[(eq + 1)..], instruction == "ENV" ? env : config.Env)));
        }
        return pairs;
    }

    private static IEnumerable<string> PortKeys(string spec)
    {
        var slash = spec.IndexOf('/');
        var range = slash < 0 ? spec : spec[..slash];
        var proto = slash < 0 ? "tcp" : spec[(slash + 1)..].ToLowerInvariant();
        if (proto is not ("tcp" or "udp" or "sctp"))
            throw new InvalidParameterException($"invalid proto: {proto}");
        var dash = range.IndexOf('-');
        if (!int.TryParse(dash < 0 ? range : range[..dash], out var start) || start is < 0 or > 65535 ||
            !int.TryParse(dash < 0 ? range : range[(dash + 1)..], out var end) || end is < 0 or > 65535 || end < start)
            throw new InvalidParameterException($"invalid containerPort: {range}");
        for (var port = start; port <= end; port++) yield return $"{port}/{proto}";
    }

    private static string NormaliseWorkdir(string current, string requested)
    {
        if (requested.Length == 0) throw new InvalidParameterException("cannot normalize nothing");
        var joined = requested.StartsWith('/') ? requested : (current.Length == 0 ? "/" : current).TrimEnd('/') + "/" + requested;
        var parts = new List<string>();
        foreach (var part in joined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    private static string OnBuildTrigger(string args)
    {
        var space = args.IndexOfAny([' ', '\t']);
        var trigger = (space < 0 ? args : args[..space]).ToUpperInvariant();
        switch (trigger)
        {
            case "": throw AtLeastOne("ONBUILD");
            case "ONBUILD": throw new InvalidParameterException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "FROM" or "MAINTAINER": throw new InvalidParameterException($"{trigger} isn't allowed as an ONBUILD trigger");
        }
        return args;
    }

    private static bool IsSignal(string value)
    {
        if (uint.TryParse(value, out var number)) return number is > 0 and <= 64;
        var name = value.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? value[3..] : value;
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-');
    }

    private static string ExactlyOne(string instruction, string args)
    {
        var words = ShellWords.Split(args);
        if (words.Count != 1) throw new InvalidParameterException($"{instruction} requires exactly one argument");
        return words[0];
    }

    private static InvalidParameterException AtLeastOne(string instruction) => new($"{instruction} requires at least one argument");

    private static ContainerConfig Clone(ContainerConfig c) =>
        ImageConfigFile.Parse(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new ImageConfigFile { Config = c }, ImageJsonContext.Default.ImageConfigFile)).Config!;
}
