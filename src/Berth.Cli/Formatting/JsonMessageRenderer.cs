using System.Globalization;
using Berth.EngineApi.Models;
using Berth.EngineApi.Streams;

namespace Berth.Cli.Formatting;

/// <summary>How a JSON message stream is shown: on a terminal (bars, lines updated in place) or not.</summary>
/// <param name="IsTerminal">The output is a terminal.</param>
/// <param name="Width">Its columns; docker assumes 200 when it cannot tell.</param>
public sealed record MessageDisplay(bool IsTerminal = false, int Width = 200)
{
    public static MessageDisplay Plain { get; } = new();

    /// <summary>The clock for "time left" (a parameter so tests can fix it).</summary>
    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>Receives messages with an <c>aux</c> payload, which are never printed.</summary>
    public Action<JsonMessage>? OnAux { get; init; }

    /// <summary>How docker shows a stream on this process's file descriptor 1 or 2.</summary>
    public static MessageDisplay ForFd(int fd)
    {
        var redirected = fd == 1 ? Console.IsOutputRedirected : Console.IsErrorRedirected;
        return redirected ? Plain : new MessageDisplay(true, Core.Interop.Libc.GetWindowSize(fd)?.Columns ?? 200);
    }
}

/// <summary>
/// jsonmessage.DisplayJSONMessagesStream. Not on a terminal: one line per status, bars left out
/// (what <c>docker pull | cat</c> prints). On a terminal: every layer id keeps its own line, which
/// later messages for that id rewrite in place (cursor up, erase line, write, cursor down);
/// a message without progress starts a new block, so <c>pull -a</c>'s tags do not overwrite
/// each other.
/// </summary>
public static class JsonMessageRenderer
{
    private const string EraseLine = "\x1b[2K";

    /// <summary>Prints every message; stops at the first error and returns its text, else null.</summary>
    public static async Task<string?> RenderAsync(Stream messages, TextWriter output, CancellationToken cancellationToken,
        MessageDisplay? display = null)
    {
        display ??= MessageDisplay.Plain;
        var tty = display.IsTerminal;
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var m in JsonMessageStream.ReadAllAsync(messages, cancellationToken).ConfigureAwait(false))
        {
            if (m.Aux is not null)
            {
                display.OnAux?.Invoke(m);
                continue;
            }
            var diff = 0;
            if (m.Id is { Length: > 0 } id && (m.ProgressDetail is not null || m.Progress is { Length: > 0 }))
            {
                if (!lines.TryGetValue(id, out var line))
                {
                    // Lines are counted from the first id of the block; any other message ends the block.
                    line = lines.Count;
                    lines[id] = line;
                    if (tty) output.Write('\n');
                }
                diff = lines.Count - line;
                if (tty) CursorMove(output, diff, 'A');
            }
            else
            {
                lines.Clear();
            }
            var error = Display(m, output, display);
            if (m.Id is { Length: > 0 } && tty) CursorMove(output, diff, 'B');
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>JSONMessage.Display: one message; returns its error instead of printing it.</summary>
    private static string? Display(JsonMessage m, TextWriter output, MessageDisplay display)
    {
        if (JsonMessageStream.ErrorOf(m) is { } error)
        {
            return error;
        }
        var endl = "";
        var progress = m.ProgressDetail is { } p ? ProgressText.Format(p, display.Width, display.Now()) : null;
        if (display.IsTerminal && m.Stream is not { Length: > 0 } && m.ProgressDetail is not null)
        {
            endl = "\r";
            output.Write(EraseLine + endl);
        }
        else if (progress is { Length: > 0 })
        {
            // A bar means nothing in a log: docker leaves these messages out.
            return null;
        }
        if (m.TimeNano != 0)
        {
            output.Write(Timestamp(m.TimeNano) + " ");
        }
        else if (m.Time != 0)
        {
            output.Write(Timestamp(m.Time * 1_000_000_000) + " ");
        }
        if (m.Id is { Length: > 0 } id) output.Write($"{id}: ");
        if (m.From is { Length: > 0 } from) output.Write($"(from {from}) ");
        if (m.ProgressDetail is not null && display.IsTerminal)
        {
            output.Write($"{m.Status} {progress}{endl}");
        }
        else if (m.Progress is { Length: > 0 } rendered)
        {
            output.Write($"{m.Status} {rendered}{endl}");
        }
        else if (m.Stream is { Length: > 0 } stream)
        {
            output.Write(stream + endl);
        }
        else
        {
            output.Write($"{m.Status}{endl}\n");
        }
        return null;
    }

    private static void CursorMove(TextWriter output, int lines, char direction)
    {
        if (lines != 0) output.Write($"\x1b[{lines}{direction}");
    }

    /// <summary>Go's RFC3339NanoFixed in local time: 2006-01-02T15:04:05.000000000Z07:00.</summary>
    private static string Timestamp(long unixNanoseconds)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(unixNanoseconds / 100).ToLocalTime();
        var nanos = (unixNanoseconds % 1_000_000_000 + 1_000_000_000) % 1_000_000_000;
        var zone = t.Offset == TimeSpan.Zero ? "Z" : t.ToString("zzz", CultureInfo.InvariantCulture);
        return t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + zone;
    }
}
