using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Core.Errors;

namespace Berth.Engine.Containers;

/// <summary>json-file's max-size (bytes, 0 = unlimited) and max-file.</summary>
public sealed record JsonFileLimits(long MaxSize, int MaxFiles)
{
    public static JsonFileLimits Unlimited { get; } = new(0, 1);
}

/// <summary>
/// The log drivers berthd has: docker's default json-file (with max-size, max-file) and none.
/// Options are checked as dockerd's json-file driver checks them, in its words.
/// </summary>
public static partial class LogDriver
{
    public const string JsonFile = "json-file";
    public const string None = "none";

    // json-file's options in dockerd; the ones only labelling records are accepted and have no effect here.
    private static readonly HashSet<string> JsonFileOptions = ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"];

    /// <summary>Checks <paramref name="config"/> and returns json-file's limits (unlimited for none).</summary>
    /// <exception cref="InvalidParameterException">An unknown driver or option, or a bad value.</exception>
    public static JsonFileLimits Validate(LogConfig config)
    {
        var options = config.Config ?? new Dictionary<string, string>();
        switch (config.Type)
        {
            case "" or JsonFile:
                break;
            case None:
                foreach (var key in options.Keys) throw new InvalidParameterException($"unknown log opt '{key}' for {None} log driver");
                return JsonFileLimits.Unlimited;
            default:
                throw new InvalidParameterException($"log driver \"{config.Type}\" is not supported by berthd (it has {JsonFile} and {None})");
        }
        foreach (var key in options.Keys)
            if (!JsonFileOptions.Contains(key)) throw new InvalidParameterException($"unknown log opt '{key}' for {JsonFile} log driver");
        if (options.TryGetValue("compress", out var compress) && compress == "true")
            throw new InvalidParameterException("log opt 'compress' is not supported by berthd: rotated json-file logs stay uncompressed");

        long maxSize = 0;
        if (options.TryGetValue("max-size", out var size))
        {
            maxSize = FromHumanSize(size);
            if (maxSize <= 0) throw new InvalidParameterException("max-size must be a positive number");
        }
        var maxFiles = 1;
        if (options.TryGetValue("max-file", out var files))
        {
            if (!int.TryParse(files, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxFiles))
                throw new InvalidParameterException($"strconv.Atoi: parsing \"{files}\": invalid syntax");
            if (maxFiles < 1) throw new InvalidParameterException("max-file cannot be less than 1");
        }
        return new JsonFileLimits(maxSize, maxSize > 0 ? maxFiles : 1);
    }

    /// <summary>go-units' FromHumanSize: decimal units (10m = 10,000,000 bytes), as json-file's max-size reads them.</summary>
    public static long FromHumanSize(string size)
    {
        var match = HumanSize().Match(size);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            throw new InvalidParameterException($"invalid size: '{size}'");
        var unit = match.Groups[3].Value.ToLowerInvariant() switch
        {
            "k" => 1e3, "m" => 1e6, "g" => 1e9, "t" => 1e12, "p" => 1e15, _ => 1.0,
        };
        return (long)(value * unit);
    }

    [GeneratedRegex(@"^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")]
    private static partial Regex HumanSize();
}
