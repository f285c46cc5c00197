using System.Globalization;
using Berth.Core.CommandLine;
using Berth.EngineApi.Formatting;

namespace Berth.Cli.Formatting;

/// <summary>Small pieces of docker's display logic (IDs, ellipsis, quoting, times).</summary>
public static class DisplayText
{
    /// <summary>stringid.TruncateID: strips "sha256:" and keeps 12 characters.</summary>
    public static string TruncateId(string id)
    {
        var colon = id.IndexOf(':');
        if (colon >= 0)
        {
            id = id[(colon + 1)..];
        }
        return id.Length > 12 ? id[..12] : id;
    }

    /// <summary>formatter.Ellipsis: cut to <paramref name="max"/> display cells, the last one "…".</summary>
    public static string Ellipsis(string s, int max)
    {
        var runes = s.EnumerateRunes().ToList();
        if (runes.Count <= max)
        {
            return s;
        }
        return string.Concat(runes.Take(max - 1).Select(r => r.ToString())) + "…";
    }

    /// <summary>Go's strconv.Quote (printable Unicode kept, control characters escaped).</summary>
    public static string Quote(string s) => GoSyntax.Quote(s);

    /// <summary>"3 minutes ago" from unix seconds.</summary>
    public static string Ago(long unixSeconds, DateTimeOffset now) =>
        DockerUnits.HumanDuration(now - DateTimeOffset.FromUnixTimeSeconds(unixSeconds)) + " ago";

    /// <summary>Go's time.Time.String() in local time: "2026-11-28 06:24:07 +0000 UTC".</summary>
    public static string GoTimeString(DateTimeOffset utc)
    {
        var local = utc.ToLocalTime();
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var hhmm = $"{sign}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}";
        var zone = offset == TimeSpan.Zero && (TimeZoneInfo.Local.Id is "UTC" or "Etc/UTC" or "Universal" || TimeZoneInfo.Local.BaseUtcOffset == TimeSpan.Zero) ? "UTC" : hhmm;
        return local.ToString("yyyy-MM-dd HH:mm:ss ", CultureInfo.InvariantCulture) + hhmm + " " + zone;
    }
}
