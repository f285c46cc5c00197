using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Cli.App;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;
using Berth.EngineApi.Streams;

namespace Berth.Cli.Commands.Containers;

/// <summary><c>logs</c>.</summary>
public static partial class LogsCommand
{
    public static CommandSpec Spec { get; } = new("logs", "logs [OPTIONS] CONTAINER", "Fetch the logs of a container",
        f => f.Bool("details", null, "Show extra details provided to logs")
              .Bool("follow", 'f', "Follow log output")
              .String("since", null, "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)")
              .String("tail", 'n', "Number of lines to show from the end of the logs", "all")
              .Bool("timestamps", 't', "Show timestamps")
              .String("until", null, "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
        1, 1, RunAsync);

    private static async Task<int> RunAsync(CommandContext ctx, FlagSet flags)
    {
        var id = flags.Positionals[0];
        var info = await ctx.Client.InspectContainerAsync(id, cancellationToken: ctx.CancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        await using var stream = await ctx.Client.GetContainerLogsAsync(id, new LogsOptions
        {
            Follow = flags.GetBool("follow"),
            Timestamps = flags.GetBool("timestamps"),
            Tail = flags.GetString("tail"),
            Since = flags.GetString("since") is { Length: > 0 } s ? ToTimestamp(s, now) : null,
            Until = flags.GetString("until") is { Length: > 0 } u ? ToTimestamp(u, now) : null,
        }, ctx.CancellationToken).ConfigureAwait(false);
        if (info.Config?.Tty == true)
        {
            await stream.CopyToAsync(ctx.StdoutStream, ctx.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            await new StdStreamReader(stream).CopyToAsync(ctx.StdoutStream, ctx.StderrStream, ctx.CancellationToken).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>
    /// docker's timetypes.GetTimestamp: a Go duration ("42m", "1h30m") counts back from now;
    /// RFC 3339 dates and unix seconds ("1700000000.5") are converted to "seconds.nanoseconds".
    /// </summary>
    public static string ToTimestamp(string value, DateTimeOffset now)
    {
        if (TryParseGoDuration(value, out var d))
        {
            return Unix(now - d);
        }
        if (DurationLike().IsMatch(value))
        {
            throw new UsageException($"invalid value for \"since\": time: invalid duration \"{value}\"");
        }
        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
        {
            return value;
        }
        if (Berth.EngineApi.Serialization.DockerTime.TryParse(value, out var t)
            || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out t))
        {
            return Unix(t);
        }
        throw new UsageException($"failed to parse value as time or duration: \"{value}\"");
    }

    private static string Unix(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        return $"{seconds}.{rem * 100:D9}";
    }

    /// <summary>Go's time.ParseDuration for h, m, s, ms, us, ns units.</summary>
    public static bool TryParseGoDuration(string s, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var m = GoDuration().Match(s);
        if (!m.Success || s.Length == 0)
        {
            return false;
        }
        double ticks = 0;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var part = PartRegex().Match(c.Value);
            var n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += part.Groups[2].Value switch
            {
                "h" => n * TimeSpan.TicksPerHour,
                "m" => n * TimeSpan.TicksPerMinute,
                "s" => n * TimeSpan.TicksPerSecond,
                "ms" => n * TimeSpan.TicksPerMillisecond,
                "us" or "µs" => n * 10,
                _ => n / 100,
            };
        }
        duration = TimeSpan.FromTicks((long)ticks);
        if (s.StartsWith('-'))
        {
            duration = -duration;
        }
        return true;
    }

    [GeneratedRegex(@"^[-+]?(?<part>\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$")]
    private static partial Regex GoDuration();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)$")]
    private static partial Regex PartRegex();

    [GeneratedRegex(@"^[-+]?\d+(\.\d+)?[a-zµ]+$")]
    private static partial Regex DurationLike();
}
