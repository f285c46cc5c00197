using Berth.Core.Errors;

namespace Berth.Engine.Containers;

/// <summary>Signal names as docker accepts them: "KILL", "SIGKILL", "9".</summary>
public static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    private static readonly Dictionary<string, int> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6,
        ["BUS"] = 7, ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12,
        ["PIPE"] = 13, ["ALRM"] = 14, ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18,
        ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24,
        ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28, ["IO"] = 29, ["POLL"] = 29,
        ["PWR"] = 30, ["SYS"] = 31,
    };

    /// <summary>Parses a signal; null or empty gives <paramref name="fallback"/>.</summary>
    public static int Parse(string? signal, int fallback)
    {
        if (string.IsNullOrWhiteSpace(signal)) return fallback;
        if (int.TryParse(signal, out var number))
        {
            if (number is < 1 or > 64) throw new InvalidParameterException($"Invalid signal: {signal}");
            return number;
        }
        var name = signal.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? signal[3..] : signal;
        if (name.StartsWith("RTMIN", StringComparison.OrdinalIgnoreCase) || name.StartsWith("RTMAX", StringComparison.OrdinalIgnoreCase))
            return ParseRealtime(name, signal);
        return ByName.TryGetValue(name, out var value) ? value : throw new InvalidParameterException($"Invalid signal: {signal}");
    }

    private static int ParseRealtime(string name, string original)
    {
        const int rtmin = 34, rtmax = 64;
        var baseValue = name.StartsWith("RTMIN", StringComparison.OrdinalIgnoreCase) ? rtmin : rtmax;
        var rest = name[5..];
        if (rest.Length == 0) return baseValue;
        if (int.TryParse(rest, out var offset) && baseValue + offset is >= rtmin and <= rtmax) return baseValue + offset;
        throw new InvalidParameterException($"Invalid signal: {original}");
    }
}
