using System.Globalization;
using Berth.Core.Errors;

namespace Berth.Engine.Images;

/// <summary>HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD …|NONE.</summary>
internal static class Healthcheck
{
    public static HealthConfig Parse(string args)
    {
        var health = new HealthConfig();
        var rest = args.TrimStart();
        var flags = new List<string>();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var space = rest.IndexOfAny([' ', '\t']);
            flags.Add(space < 0 ? rest : rest[..space]);
            rest = space < 0 ? "" : rest[space..].TrimStart();
        }

        var keywordEnd = rest.IndexOfAny([' ', '\t']);
        var keyword = (keywordEnd < 0 ? rest : rest[..keywordEnd]).ToUpperInvariant();
        var command = keywordEnd < 0 ? "" : rest[keywordEnd..].Trim();
        if (keyword == "NONE")
        {
            if (flags.Count > 0 || command.Length > 0)
                throw new InvalidParameterException("HEALTHCHECK NONE takes no arguments");
            health.Test = ["NONE"];
            return health;
        }
        if (keyword != "CMD")
            throw new InvalidParameterException($"Unknown type \"{keyword}\" in HEALTHCHECK (try CMD)");
        if (command.Length == 0)
            throw new InvalidParameterException("Missing command after HEALTHCHECK CMD");

        health.Test = Changes.TryJsonArray(command) is { } json ? ["CMD", .. json] : ["CMD-SHELL", command];
        foreach (var flag in flags)
        {
            var eq = flag.IndexOf('=');
            var name = eq < 0 ? flag[2..] : flag[2..eq];
            var value = eq < 0 ? "" : flag[(eq + 1)..];
            switch (name)
            {
                case "interval": health.Interval = Duration(name, value); break;
                case "timeout": health.Timeout = Duration(name, value); break;
                case "start-period": health.StartPeriod = Duration(name, value); break;
                case "start-interval": health.StartInterval = Duration(name, value); break;
                case "retries":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var retries))
                        throw new InvalidParameterException($"invalid value for --retries: {value}");
                    health.Retries = retries;
                    break;
                default: throw new InvalidParameterException($"Unknown flag: {name}");
            }
        }
        return health;
    }

    /// <summary>Go's time.ParseDuration subset used in Dockerfiles (ns, us, ms, s, m, h, combined), in nanoseconds.</summary>
    internal static long Duration(string flag, string value)
    {
        if (value == "0") return 0;
        long total = 0;
        var i = 0;
        if (value.Length == 0) throw new InvalidParameterException($"invalid value for --{flag}: {value}");
        while (i < value.Length)
        {
            var start = i;
            while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '.')) i++;
            if (i == start || !double.TryParse(value[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                throw new InvalidParameterException($"time: invalid duration \"{value}\"");
            var unitStart = i;
            while (i < value.Length && char.IsAsciiLetter(value[i])) i++;
            double scale = value[unitStart..i] switch
            {
                "ns" => 1, "us" or "µs" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, "h" => 3600e9,
                _ => throw new InvalidParameterException($"time: invalid duration \"{value}\""),
            };
            total += (long)(number * scale);
        }
        if (total is > 0 and < 1_000_000)
            throw new InvalidParameterException($"Interval \"{flag}\" cannot be less than 1ms");
        return total;
    }
}
