using System.Globalization;

namespace Berth.EngineApi.Serialization;

/// <summary>Timestamps the way Go's <c>time.RFC3339Nano</c> writes them (docker's wire format).</summary>
public static class DockerTime
{
    /// <summary>Go's zero time, used by docker for "never" (e.g. StartedAt of a created container).</summary>
    public const string Zero = "0001-01-01T00:00:00Z";

    /// <summary>Formats like Go's RFC3339Nano: UTC "Z", fraction without trailing zeros.</summary>
    public static string Format(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        if (utc.UtcTicks == DateTime.MinValue.Ticks)
        {
            return Zero;
        }
        var s = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var frac = utc.Ticks % TimeSpan.TicksPerSecond;
        if (frac != 0)
        {
            s += "." + (frac * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        }
        return s + "Z";
    }

    /// <summary>Parses RFC 3339 with up to nine fractional digits (more than .NET's seven are truncated).</summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var s = text;
        var dot = s.IndexOf('.');
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }
            var digits = s[(dot + 1)..end];
            if (digits.Length > 7)
            {
                digits = digits[..7];
            }
            s = s[..dot] + (digits.Length > 0 ? "." + digits : "") + s[end..];
        }
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time);
    }

    /// <summary>True for missing or Go-zero timestamps.</summary>
    public static bool IsZero(string? text) =>
        !TryParse(text, out var t) || t.UtcTicks == DateTime.MinValue.Ticks;
}
