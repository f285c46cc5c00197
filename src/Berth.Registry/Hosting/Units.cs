using System.Globalization;

namespace Berth.Registry.Hosting;

/// <summary>Sizes ("1048576", "512M", "2GiB") and durations ("300", "30s", "5m", "1h") in flags and config.</summary>
public static class Units
{
    public static long ParseSize(string text)
    {
        var value = text.Trim();
        var digits = value.TakeWhile(char.IsAsciiDigit).Count();
        var unit = value[digits..].Trim().ToUpperInvariant();
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (digits == 0 || multiplier == 0 || !long.TryParse(value[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number > long.MaxValue / multiplier)
            throw new FormatException($"invalid size \"{text}\": expected BYTES or a number with K, M, G or T");
        return number * multiplier;
    }

    public static TimeSpan ParseDuration(string text)
    {
        var value = text.Trim();
        var digits = value.TakeWhile(char.IsAsciiDigit).Count();
        var unit = value[digits..];
        if (digits == 0 || !long.TryParse(value[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > int.MaxValue)
            throw new FormatException($"invalid duration \"{text}\": expected seconds or a number with s, m or h");
        return unit switch
        {
            "" or "s" => TimeSpan.FromSeconds(number),
            "m" => TimeSpan.FromMinutes(number),
            "h" => TimeSpan.FromHours(number),
            _ => throw new FormatException($"invalid duration \"{text}\": expected seconds or a number with s, m or h"),
        };
    }

    public static bool ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw new FormatException($"invalid boolean \"{text}\": expected true or false"),
    };
}
