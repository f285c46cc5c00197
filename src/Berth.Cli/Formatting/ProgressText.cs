using System.Text;
using Berth.EngineApi.Formatting;
using Berth.EngineApi.Models;

namespace Berth.Cli.Formatting;

/// <summary>
/// jsonmessage.JSONProgress.String: the bar and counts a terminal shows for one layer,
/// <c>[=====&gt;     ]  1.2MB/3.4MB 5s</c>. The bar needs more than 110 columns; the time left
/// appears while the transfer is under way and the daemon said when it started.
/// </summary>
public static class ProgressText
{
    private const int BarWidth = 50;

    public static string Format(JsonProgress p, int width, DateTimeOffset now)
    {
        if (p.Current <= 0 && p.Total <= 0)
        {
            return "";
        }
        if (p.Total <= 0)
        {
            return p.Units is { Length: > 0 } u ? $"{p.Current} {u}" : $"{Size(p.Current),8}";
        }
        var percentage = Math.Min((int)((double)p.Current / p.Total * 100) / 2, BarWidth);
        var bar = "";
        if (width > 110)
        {
            // Go's strings.Repeat panics on a negative count; a negative Current never reaches here.
            var done = Math.Max(percentage, 0);
            bar = $"[{new string('=', done)}>{new string(' ', BarWidth - done)}] ";
        }
        var numbers = "";
        if (!p.HideCounts)
        {
            numbers = p.Units is { Length: > 0 } units
                ? p.Current > p.Total ? $"{p.Current} {units}" : $"{p.Current}/{p.Total} {units}"
                : p.Current > p.Total ? $"{Size(p.Current),8}" : $"{Size(p.Current),8}/{Size(p.Total)}";
        }
        var timeLeft = "";
        if (p.Current > 0 && p.Start > 0 && percentage < BarWidth)
        {
            var fromStart = (now - DateTimeOffset.FromUnixTimeSeconds(p.Start)).Ticks * 100; // nanoseconds, as Go's Duration
            var perEntry = fromStart / p.Current;
            var left = (p.Total - p.Current) * perEntry;
            timeLeft = " " + GoDuration(RoundToSecond(left));
        }
        return bar + numbers + timeLeft;
    }

    /// <summary>go-units HumanSize: four significant digits, decimal units ("66.05kB", "6.002MB").</summary>
    private static string Size(long bytes) => DockerUnits.HumanSize(bytes, 4);

    /// <summary>time.Duration.Round(time.Second), halves away from zero; in nanoseconds.</summary>
    private static long RoundToSecond(long nanoseconds)
    {
        const long second = 1_000_000_000;
        var r = nanoseconds % second;
        if (nanoseconds < 0)
        {
            r = -r;
            return r + r < second ? nanoseconds + r : nanoseconds - (second - r);
        }
        return r + r < second ? nanoseconds - r : nanoseconds + (second - r);
    }

    /// <summary>time.Duration.String for whole seconds: "0s", "45s", "2m5s", "1h0m3s".</summary>
    public static string GoDuration(long nanoseconds)
    {
        var seconds = nanoseconds / 1_000_000_000;
        if (seconds == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        if (seconds < 0)
        {
            sb.Append('-');
            seconds = -seconds;
        }
        var (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        if (h > 0) sb.Append(h).Append('h');
        if (h > 0 || m > 0) sb.Append(m).Append('m');
        sb.Append(s).Append('s');
        return sb.ToString();
    }
}
