using System.Globalization;

namespace Berth.EngineApi.Formatting;

/// <summary>
/// docker's human-readable numbers (github.com/docker/go-units), shared by the CLI's tables
/// and the daemon's container Status text ("Up 3 seconds", "Exited (0) 2 minutes ago").
/// </summary>
public static class DockerUnits
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary>units.HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks".</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < 1)
        {
            return "Less than a second";
        }
        if (seconds == 1)
        {
            return "1 second";
        }
        if (seconds < 60)
        {
            return $"{seconds} seconds";
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes == 1)
        {
            return "About a minute";
        }
        if (minutes < 60)
        {
            return $"{minutes} minutes";
        }
        // Go: d.Round(time.Hour).Hours(), halves away from zero.
        var hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1)
        {
            return "About an hour";
        }
        if (hours < 48)
        {
            return $"{hours} hours";
        }
        if (hours < 24 * 7 * 2)
        {
            return $"{hours / 24} days";
        }
        if (hours < 24 * 30 * 2)
        {
            return $"{hours / 24 / 7} weeks";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24 / 30} months";
        }
        return $"{(long)d.TotalHours / 24 / 365} years";
    }

    /// <summary>units.HumanSizeWithPrecision(size, 3): decimal units, 3 significant digits ("4.26MB", "1.88kB", "0B").</summary>
    public static string HumanSize(double size, int precision = 3)
    {
        var i = 0;
        while (size >= 1000 && i < DecimalUnits.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return FormatG(size, precision) + DecimalUnits[i];
    }

    /// <summary>Go's <c>%.{precision}g</c>: shortest form, no trailing zeros, exponent as "e+03".</summary>
    public static string FormatG(double value, int precision)
    {
        var s = value.ToString("G" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var e = s.IndexOf('E');
        if (e < 0)
        {
            return s;
        }
        var mantissa = s[..e];
        var sign = s[e + 1];
        var digits = s[(e + 2)..].TrimStart('0');
        if (digits.Length < 2)
        {
            digits = digits.PadLeft(2, '0');
        }
        return $"{mantissa}e{sign}{digits}";
    }

    /// <summary>
    /// The Status column of ps, as dockerd writes it: "Created", "Up 3 seconds", "Up 2 minutes (Paused)",
    /// "Restarting (1) 5 seconds ago", "Exited (137) About a minute ago", "Removal In Progress", "Dead".
    /// </summary>
    public static string ContainerStatus(string state, int exitCode, DateTimeOffset startedAt, DateTimeOffset finishedAt, DateTimeOffset now)
    {
        switch (state)
        {
            case "running":
                return "Up " + HumanDuration(now - startedAt);
            case "paused":
                return "Up " + HumanDuration(now - startedAt) + " (Paused)";
            case "restarting":
                return $"Restarting ({exitCode}) {HumanDuration(now - finishedAt)} ago";
            case "removing":
                return "Removal In Progress";
            case "dead":
                return "Dead";
            case "created":
                return "Created";
            default:
                if (finishedAt.UtcTicks == DateTime.MinValue.Ticks)
                {
                    return "";
                }
                return $"Exited ({exitCode}) {HumanDuration(now - finishedAt)} ago";
        }
    }
}
