using System.Text.Json;

namespace Berth.Engine.Containers;

/// <summary>One log record of the json-file log.</summary>
/// <param name="Stream">1 for stdout, 2 for stderr; 0 marks "caught up with the file" (flush now).</param>
public readonly record struct LogEntry(byte Stream, DateTimeOffset Time, byte[] Line)
{
    public static LogEntry CaughtUp => new(0, default, []);

    public bool IsCaughtUp => Stream == 0;
}

/// <summary>Options of GET /containers/{id}/logs.</summary>
public sealed record LogOptions(bool Stdout, bool Stderr, bool Follow, int Tail, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>
/// Reads docker's json-file log that the shim writes: one JSON object per line with
/// "log", "stream" and "time". Follow polls for growth until the container stops.
/// </summary>
public static class ContainerLogs
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async IAsyncEnumerable<LogEntry> ReadAsync(
        string path, LogOptions options, Func<bool> isRunning,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: false);
        var startOffset = options.Tail >= 0 ? TailOffset(file, options.Tail) : 0;
        file.Position = startOffset;
        var reader = new LineReader(file);
        while (true)
        {
            while (reader.TryReadLine(out var line))
            {
                if (!TryParse(line, out var entry)) continue;
                if (options.Since is { } since && entry.Time < since) continue;
                if (options.Until is { } until && entry.Time > until) yield break;
                if (entry.Stream == 1 && !options.Stdout) continue;
                if (entry.Stream == 2 && !options.Stderr) continue;
                yield return entry;
            }
            if (!options.Follow) yield break;
            yield return LogEntry.CaughtUp;
            // Read once more after the container stopped: the shim flushes before it reports the exit.
            var running = isRunning();
            await Task.Delay(PollInterval, cancellationToken);
            if (!running && !reader.HasMoreData()) yield break;
        }
    }

    /// <summary>Offset of the start of the last <paramref name="lines"/> lines (0 = end of file).</summary>
    private static long TailOffset(FileStream file, int lines)
    {
        var length = file.Length;
        if (lines == 0) return length;
        var buffer = new byte[64 * 1024];
        var position = length;
        var seen = 0;
        while (position > 0)
        {
            var chunk = (int)Math.Min(buffer.Length, position);
            position -= chunk;
            file.Position = position;
            file.ReadExactly(buffer, 0, chunk);
            for (var i = chunk - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n' || position + i == length - 1) continue;
                if (++seen == lines) return position + i + 1;
            }
        }
        return 0;
    }

    private static bool TryParse(ReadOnlySpan<byte> line, out LogEntry entry)
    {
        entry = default;
        var reader = new Utf8JsonReader(line);
        byte stream = 1;
        string? text = null;
        DateTimeOffset time = default;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("log"u8)) { reader.Read(); text = reader.GetString(); }
                else if (reader.ValueTextEquals("stream"u8)) { reader.Read(); stream = reader.ValueTextEquals("stderr"u8) ? (byte)2 : (byte)1; }
                else if (reader.ValueTextEquals("time"u8)) { reader.Read(); time = reader.GetDateTimeOffset(); }
                else { reader.Read(); reader.Skip(); }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        if (text is null) return false;
        entry = new LogEntry(stream, time, System.Text.Encoding.UTF8.GetBytes(text));
        return true;
    }

    /// <summary>Splits a growing file into complete lines; a partial last line waits for more data.</summary>
    private sealed class LineReader(FileStream file)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public bool HasMoreData() => file.Length > file.Position || _end > _start;

        public bool TryReadLine(out ReadOnlySpan<byte> line)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line = _buffer.AsSpan(_start, newline);
                    _start += newline + 1;
                    return true;
                }
                if (!Fill())
                {
                    line = default;
                    return false;
                }
            }
        }

        private bool Fill()
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = file.Read(_buffer, _end, _buffer.Length - _end);
            _end += read;
            return read > 0;
        }
    }
}
