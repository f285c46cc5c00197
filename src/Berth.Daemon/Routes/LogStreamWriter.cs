using System.Globalization;
using Berth.Engine.Containers;
using Berth.EngineApi.Streams;

namespace Berth.Daemon.Routes;

/// <summary>
/// Writes json-file log entries the way dockerd sends them: docker's 8-byte frames without a
/// TTY, raw bytes with one; batched into 32 KiB writes, flushed whenever the reader catches up.
/// Shared by GET /logs and the log replay of attach (logs=1).
/// </summary>
internal static class LogStreamWriter
{
    private const int BatchSize = 32 * 1024;

    public static async Task WriteAsync(Stream body, IAsyncEnumerable<LogEntry> entries, bool tty, bool timestamps, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream(64 * 1024);
        var header = new byte[StdStreamFraming.HeaderSize];
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            if (!entry.IsCaughtUp)
            {
                var prefix = timestamps ? System.Text.Encoding.ASCII.GetBytes(FormatTimestamp(entry.Time) + " ") : [];
                if (!tty)
                {
                    StdStreamFraming.WriteHeader(header, (StdStreamType)entry.Stream, prefix.Length + entry.Line.Length);
                    buffer.Write(header);
                }
                buffer.Write(prefix);
                buffer.Write(entry.Line);
            }
            if (entry.IsCaughtUp || buffer.Length >= BatchSize)
            {
                await body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                await body.FlushAsync(cancellationToken);
                buffer.SetLength(0);
            }
        }
        if (buffer.Length > 0)
        {
            await body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
            await body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Go's RFC3339NanoFixed, which docker logs -t prints: always nine fraction digits.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";
}
